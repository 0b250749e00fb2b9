"""The core's front door: run the intake steps, then answer each conversation in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.access.policy import Verdict
from core.hygiene import clean_inbound
from core.pipeline.access import access
from core.pipeline.admission import admission
from core.pipeline.answer import answer
from core.pipeline.base import Step
from core.pipeline.commands import commands
from core.pipeline.hygiene import hygiene
from core.pipeline.quota import quota
from core.pipeline.validate import validate
from core.services import Core
from core.store.conversation_queue import Exchange
from core.types import Inbound

log = logging.getLogger(__name__)

# The order matters: clean strings before anything reads them, dedupe before anything the user
# could see, access before the rest (someone not let in hears only that), then the cheap checks;
# commands before the quota, so /usage answers someone over budget.
STEPS: tuple[Step, ...] = (hygiene, admission, access, validate, commands, quota)


class Gateway:
    """Every adapter calls `handle`; it returns once the message is safely queued."""

    def __init__(self, core: Core, *, sweep_every: float = 10.0) -> None:
        self.core = core
        self._tasks: set[asyncio.Task[None]] = set()
        self._intake: dict[str, tuple[asyncio.Lock, int]] = {}  # conversation -> (lock, callers)
        self._sweep_every = sweep_every
        self._sweeper: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    async def handle(self, inbound: Inbound) -> None:
        """Never raises: a failure is logged and the user gets a short line.

        Calls for one conversation are taken in call order (a FIFO lock per conversation),
        so an adapter that hands over updates concurrently still queues them in order.
        """
        conv_id = str(self.core.conversation(inbound))
        lock, users = self._intake.get(conv_id, (asyncio.Lock(), 0))
        self._intake[conv_id] = (lock, users + 1)
        try:
            async with lock:
                await self._intake_one(inbound)
        finally:
            lock, users = self._intake[conv_id]
            if users <= 1:
                del self._intake[conv_id]
            else:
                self._intake[conv_id] = (lock, users - 1)

    async def usable_models(self, matching: str = "") -> list[str]:
        """Model ids an adapter may offer (menus, autocomplete): listed, over the context gate."""
        return await self.core.usable_models(matching)

    async def admits(self, inbound: Inbound) -> bool:
        """Whether ACCESS_POLICY lets this sender talk (before an adapter does work for them,
        e.g. opening a thread); the pipeline decides again, and answers those it refuses."""
        return await self.core.access.decide(inbound, self.core.binding(inbound)) is Verdict.ALLOWED

    async def notify(self, inbound: Inbound, text: str) -> None:
        """A fixed answer outside the model ("text only for now"): dedupe and access apply."""
        try:
            inbound = clean_inbound(inbound)
            if not await self.admits(inbound):
                return
            if await self.core.admissions.first_time(inbound.platform, inbound.event_id):
                self.core.notices.send(inbound, text)
        except Exception:
            log.exception("notice for %s event %s failed", inbound.platform, inbound.event_id)

    async def _intake_one(self, inbound: Inbound) -> None:
        try:
            current: Inbound | None = inbound
            for step in STEPS:
                if current is None:
                    return
                current = await step(current, self.core)
            if current is not None:
                await self._enqueue(current)
        except Exception:
            log.exception("failed to handle %s event %s", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):  # e.g. a platform nobody bound: logged above
                self.core.notices.send(inbound, "Something went wrong on our side. Please try again.")

    async def _enqueue(self, inbound: Inbound) -> None:
        conv_id = str(self.core.conversation(inbound))
        token = self.core.queue.new_token()
        head = await self.core.queue.push(conv_id, inbound.to_json(), token)
        if head is not None:
            self._spawn(conv_id, token, head)
        # else: the lock holder (maybe another replica) answers it after the ones before it

    def _spawn(self, conv_id: str, token: str, head: bytes | None = None) -> None:
        task = asyncio.create_task(self._drain(conv_id, token, head), name=f"drain {conv_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, conv_id: str, token: str, head: bytes | None) -> None:
        """Answer queued messages of one conversation, oldest first, while holding its lease."""
        renewer = asyncio.create_task(self._keep_lease(conv_id, token))
        try:
            item = head
            if item is None:  # adopted by the sweeper: fetch the head ourselves
                item = (await self.core.queue.next(conv_id, token, ack=False)).item
            while item is not None:
                exchange = await self._answer_one(Inbound.from_json(item))
                nxt = await self.core.queue.next(conv_id, token, ack=True, exchange=exchange)
                if nxt.lost:
                    log.warning("lost the lease on %s; another replica carries on", conv_id)
                item = nxt.item
        except Exception:
            log.exception("conversation %s stopped draining; the sweeper will resume it", conv_id)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _answer_one(self, inbound: Inbound) -> Exchange | None:
        try:
            return await answer(inbound, self.core)
        except Exception:
            # A bug or a platform outage must not wedge the queue: log, tell the user, move on.
            log.exception("answering %s event %s failed", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):
                await self.core.outlet_for(inbound).notice("Something went wrong on our side. Please try again.")
            return None

    async def _keep_lease(self, conv_id: str, token: str) -> None:
        period = self.core.queue.lease_ms / 3000
        while True:
            await asyncio.sleep(period)  # a lease is renewed on a clock, by design
            if not await self.core.queue.renew(conv_id, token):
                return

    async def sweep_once(self) -> int:
        """Adopt conversations whose holder died with messages still queued; returns how many."""
        adopted = 0
        for conv_id in await self.core.queue.orphans():
            token = self.core.queue.new_token()
            if await self.core.queue.adopt(conv_id, token):
                adopted += 1
                self._spawn(conv_id, token)
        return adopted

    async def _sweep_forever(self) -> None:
        while not self._closing.is_set():
            try:
                await self.sweep_once()
            except Exception:
                log.exception("queue sweep failed")
            # Periodic by nature, but wakes at once on close: redis-py can swallow a cancel
            # that lands mid-command, so the loop must also be able to end by itself.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._sweep_every)

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="queue sweeper")

    async def join(self, within: float | None = None) -> bool:
        """Wait until every conversation this process is answering has drained, and every notice
        queued went out.

        With `within`, gives up after that many seconds; True when everything drained.
        """
        try:
            async with asyncio.timeout(within):
                while self._tasks or self.core.notices.pending:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
                    await self.core.notices.drain()
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop sweeping and cancel what is still answering (its lease lapses; a replica resumes it)."""
        self._closing.set()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.core.notices.cancel()

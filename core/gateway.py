"""The core's front door: run the intake steps, then answer each conversation in order."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterator

from redis.exceptions import RedisError

from core.access.policy import Verdict
from core.hygiene import clean_inbound
from core.logs.correlation import correlated
from core.pipeline.access import access
from core.pipeline.admission import admission
from core.pipeline.answer import answer
from core.pipeline.base import Step
from core.pipeline.commands import commands
from core.pipeline.hygiene import hygiene
from core.pipeline.quota import quota
from core.pipeline.validate import validate
from core.reply.relay import ROUTE, RelayEvent, RelayOutlet
from core.services import Core
from core.store.conversation_queue import Exchange
from core.store.feedback import Rating
from core.types import Inbound, Limits

log = logging.getLogger(__name__)

FEEDBACK_THANKS = "Thanks for the feedback."

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
        if not inbound.received_at:
            inbound = dataclasses.replace(inbound, received_at=time.time())
        conv_id = str(self.core.conversation(inbound))
        lock, users = self._intake.get(conv_id, (asyncio.Lock(), 0))
        self._intake[conv_id] = (lock, users + 1)
        try:
            with self._about(inbound):
                async with lock:
                    await self._intake_one(inbound)
        finally:
            lock, users = self._intake[conv_id]
            if users <= 1:
                del self._intake[conv_id]
            else:
                self._intake[conv_id] = (lock, users - 1)

    @contextlib.contextmanager
    def _about(self, inbound: Inbound) -> Iterator[None]:
        """Within it (and the tasks it starts) log lines carry the message's correlation id and
        metrics count for this gateway and the message's platform."""
        with correlated(inbound), self.core.metrics.measuring(inbound.platform):
            yield

    async def usable_models(self, matching: str = "") -> list[str]:
        """Model ids an adapter may offer (menus, autocomplete): listed, over the context gate."""
        return await self.core.usable_models(matching)

    async def admits(self, inbound: Inbound) -> bool:
        """Whether ACCESS_POLICY lets this sender talk (before an adapter does work for them,
        e.g. opening a thread); the pipeline decides again, and answers those it refuses."""
        return await self.core.access.decide(inbound, self.core.binding(inbound)) is Verdict.ALLOWED

    async def notify(self, inbound: Inbound, text: str) -> None:
        """A fixed answer outside the model (a sticker is "not this kind of message"): dedupe and access apply."""
        with self._about(inbound):
            try:
                inbound = clean_inbound(inbound)
                if not await self.admits(inbound):
                    return
                if await self.core.admissions.first_time(inbound.platform, inbound.event_id):
                    self.core.notices.send(inbound, text)
            except Exception as exc:
                self.core.metrics.redis_failed(exc)
                log.exception("notice for %s event %s failed", inbound.platform, inbound.event_id)

    async def stop(self, inbound: Inbound) -> bool:
        """A platform's Stop (a button, Telegram's stopped_message_generation): what /stop does,
        without its notice. Dedupe and access apply; True when the stop went through."""
        try:
            inbound = clean_inbound(inbound)
            if not await self.admits(inbound):
                return False
            if not await self.core.admissions.first_time(inbound.platform, inbound.event_id):
                return False  # a re-delivered Stop must not stop the answer that came after
            await self.core.interrupts.stop(self.core.conversation(inbound), reset=False)
            return True
        except Exception:
            log.exception("stop for %s event %s failed", inbound.platform, inbound.event_id)
            return False

    async def feedback(self, inbound: Inbound, *, answer: str, rating: Rating, model: str) -> None:
        """A person rated an answer (`answer`: the platform's id for it); counted once per person,
        acknowledged with a line only they see where the platform allows it."""
        try:
            inbound = clean_inbound(inbound)
            if not await self.admits(inbound):
                return
            if not await self.core.admissions.first_time(inbound.platform, inbound.event_id):
                return
            await self.core.feedback.record(inbound.platform, answer, inbound.user_id, rating, model)
            self.core.notices.send(inbound, FEEDBACK_THANKS)
        except Exception:
            log.exception("feedback for %s event %s failed", inbound.platform, inbound.event_id)

    def relay_outlet(self, inbound: Inbound, limits: Limits) -> RelayOutlet:
        """An outlet into the list of the process that asked (`reply_route["relay"]`): for
        adapters whose reply must reach one particular process, such as a terminal."""
        return self.core.relay.outlet(inbound.reply_route.get(ROUTE, ""), inbound.event_id, limits)

    async def relayed(self, route: str) -> RelayEvent | None:
        """The next reply step, notice or `settled` mark written for `route` by any process
        (None when nothing came within a couple of seconds)."""
        return await self.core.relay.next_event(route)

    async def _intake_one(self, inbound: Inbound) -> None:
        log.debug("took in %s event %s", inbound.platform, inbound.event_id)
        try:
            current = inbound
            for step in STEPS:
                after = await step(current, self.core)
                if after is None:
                    break  # a step answered or dropped it
                current = after
            else:
                await self._enqueue(current)
                return  # settled once answered
        except Exception as exc:
            self.core.metrics.redis_failed(exc)
            log.exception("failed to handle %s event %s", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):  # e.g. a platform nobody bound: logged above
                self.core.notices.send(inbound, "Something went wrong on our side. Please try again.")
        if inbound.reply_route.get(ROUTE):  # after this message's notices, which go out from tasks
            self.core.notices.then(inbound, lambda: self._settled(inbound))

    async def _settled(self, inbound: Inbound) -> None:
        """Tells an asker that waits on a relay (the terminal chat) that nothing more comes for this message."""
        route = inbound.reply_route.get(ROUTE)
        if route:
            try:
                await self.core.relay.settled(route, inbound.event_id)
            except (RedisError, OSError) as exc:
                log.warning("could not tell %s that event %s is done: %s", route, inbound.event_id, exc)

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
                inbound = Inbound.from_json(item)
                with self._about(inbound):
                    exchange = await self._answer_one(inbound)
                    nxt = await self.core.queue.next(conv_id, token, ack=True, exchange=exchange)
                    await self._settled(inbound)  # after the ack: the exchange is in the history now
                    if nxt.lost:
                        log.warning("lost the lease on %s; another replica carries on", conv_id)
                item = nxt.item
        except Exception as exc:
            self.core.metrics.redis_failed(exc)
            log.exception("conversation %s stopped draining; the sweeper will resume it", conv_id)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _answer_one(self, inbound: Inbound) -> Exchange | None:
        try:
            return await answer(inbound, self.core)
        except Exception as exc:
            # A bug or a platform outage must not wedge the queue: log, tell the user, move on.
            self.core.metrics.redis_failed(exc)
            self.core.metrics.replied(inbound.platform, "error")
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
                self.core.metrics.queue_adoptions.inc()
                self._spawn(conv_id, token)
        return adopted

    async def _sweep_forever(self) -> None:
        while not self._closing.is_set():
            try:
                await self.sweep_once()
            except Exception as exc:
                self.core.metrics.redis_failed(exc)
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

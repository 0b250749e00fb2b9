"""The core's front door: run the intake steps, then answer each conversation in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.drain import SOMETHING_WRONG, Drain
from core.errors import NotStored
from core.pipeline.access import access
from core.pipeline.admission import admission
from core.pipeline.base import Step
from core.pipeline.commands import commands
from core.pipeline.validate import validate
from core.roles import ExclusiveRole, holder_id
from core.services import Core
from core.signals import Signal, emit
from core.store.availability import REDIS_DOWN
from core.sweeper import IDLE, Sweeper
from core.types import Inbound

log = logging.getLogger(__name__)

# The order matters: dedupe before anything the user could see, then the cheap checks.
STEPS: tuple[Step, ...] = (admission, validate, access, commands)


class Gateway:
    """Every adapter calls `handle`; it returns once the message is safely stored."""

    def __init__(self, core: Core, *, sweep_idle: float = IDLE) -> None:
        self.core = core
        self._drains: dict[asyncio.Task[None], Drain] = {}
        self._intake: dict[str, tuple[asyncio.Lock, int]] = {}  # conversation -> (lock, callers)
        self._sweeper = Sweeper(core.queue, core.availability, self._spawn, idle=sweep_idle)
        self._sweeping: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._holder = holder_id()

    async def handle(self, inbound: Inbound) -> None:
        """Returns once the message is stored (queued, or answered at once); a failure of ours
        is logged and the user gets a short line.

        Raises NotStored when it could not be stored (Redis unreachable, or another replica is
        taking the same update in): the adapter must not acknowledge it.

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

    async def until_storable(self) -> None:
        """Returns when updates can be stored again (at once when they can)."""
        await self.core.availability.wait_up()

    def exclusive(self, name: str) -> ExclusiveRole:
        """A role one replica at a time plays (a poller, a shard connection), held by a lease."""
        core = self.core
        return ExclusiveRole(core.leases, core.availability, name, ttl=core.settings.lease_seconds,
                             holder=self._holder)

    async def usable_models(self, matching: str = "") -> list[str]:
        """Model ids an adapter may offer (menus, autocomplete): listed, over the context gate."""
        return await self.core.usable_models(matching)

    async def notify(self, inbound: Inbound, text: str) -> None:
        """A fixed answer outside the model ("text only for now"): dedupe and access apply.
        Raises NotStored while Redis is unreachable."""
        try:
            if not self.core.binding(inbound).is_allowed(inbound):
                return
            self._refuse_while_down(inbound)
            if await self.core.admissions.first_time(inbound.platform, inbound.event_id):
                await self.core.outlet_for(inbound).notice(text)
        except REDIS_DOWN as exc:
            raise self._not_stored(inbound, exc) from None
        except NotStored:
            emit(Signal.NOT_STORED, platform=inbound.platform)
            raise
        except Exception:
            log.exception("notice for %s event %s failed", inbound.platform, inbound.event_id)

    async def _intake_one(self, inbound: Inbound) -> None:
        core = self.core
        try:
            self._refuse_while_down(inbound)
            current = inbound
            for step in STEPS:
                passed = await step(current, core)
                if passed is None:  # answered at once, refused, or a duplicate
                    await core.admissions.handled(inbound.platform, inbound.event_id)
                    return
                current = passed
            await self._enqueue(current)
        except NotStored:
            emit(Signal.NOT_STORED, platform=inbound.platform)
            raise
        except REDIS_DOWN as exc:
            raise self._not_stored(inbound, exc) from None
        except Exception:
            log.exception("failed to handle %s event %s", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):
                await core.outlet_for(inbound).notice(SOMETHING_WRONG)

    def _refuse_while_down(self, inbound: Inbound) -> None:
        """While an outage is known, refuse at once instead of waiting for redis-py's retries."""
        if not self.core.availability.up:
            raise NotStored("Redis is unreachable")

    def _not_stored(self, inbound: Inbound, exc: BaseException) -> NotStored:
        self.core.availability.lost(exc)  # logs the outage once
        emit(Signal.NOT_STORED, platform=inbound.platform)
        log.debug("%s event %s not stored: %s", inbound.platform, inbound.event_id, exc)
        return NotStored("Redis is unreachable")

    async def _enqueue(self, inbound: Inbound) -> None:
        core = self.core
        conv_id = str(core.conversation(inbound))
        token = core.queue.new_token()
        seen = core.admissions.seen_key(inbound.platform, inbound.event_id)
        head = await core.queue.push(conv_id, inbound.to_json(), token, seen)
        if head is not None:
            self._spawn(conv_id, token, head)
        # else: the lock holder (maybe another replica) answers it after the ones before it

    def _spawn(self, conv_id: str, token: str, head: bytes | None = None) -> None:
        drain = Drain(self.core, conv_id, token, head)
        task = asyncio.create_task(drain.run(), name=f"drain {conv_id}")
        self._drains[task] = drain
        task.add_done_callback(self._drains.pop)

    async def sweep_once(self) -> int:
        """Adopt conversations whose holder stopped renewing its lease; returns how many."""
        adopted, _ = await self._sweeper.sweep_once()
        return adopted

    def start(self) -> None:
        if self._sweeping is None:
            self._sweeping = asyncio.create_task(self._sweeper.run(self._closing), name="queue sweeper")

    async def join(self, within: float | None = None) -> bool:
        """Wait until every conversation this process is answering has drained.

        With `within`, gives up after that many seconds (the replies go on: they are handed
        over or cancelled by the caller); True when everything drained.
        """
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while self._drains:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            # asyncio.wait, not gather: giving up must not cancel the replies.
            await asyncio.wait(list(self._drains), timeout=left)
        return True

    async def hand_over(self) -> int:
        """Shutting down: stop adopting, stop every reply still streaming, save its checkpoint
        and free its lease, so another replica continues it at once. Returns how many."""
        await self._stop_sweeping()
        drains = list(self._drains.items())
        for _, drain in drains:
            drain.hand_over()
        await asyncio.gather(*(task for task, _ in drains), return_exceptions=True)
        return len(drains)

    async def close(self) -> None:
        """Stop sweeping and cancel what is still answering (its lease lapses; a replica resumes it)."""
        await self._stop_sweeping()
        for task, drain in list(self._drains.items()):
            drain.abandon()
            task.cancel()
        await asyncio.gather(*list(self._drains), return_exceptions=True)
        await self.core.availability.close()

    async def _stop_sweeping(self) -> None:
        self._closing.set()
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
            self._sweeping = None

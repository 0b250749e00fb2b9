"""The core's front door: run the intake steps, then answer each conversation in order."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time

from core.access.policy import Verdict
from core.drain import SOMETHING_WRONG, Drain
from core.errors import NotStored
from core.hygiene import clean_inbound, clean_text
from core.pipeline.access import access
from core.pipeline.admission import admission
from core.pipeline.base import Step
from core.pipeline.commands import commands
from core.pipeline.hygiene import hygiene
from core.pipeline.quota import quota
from core.pipeline.validate import validate
from core.reply.relay import ROUTE, RelayEvent, RelayOutlet
from core.roles import ExclusiveRole, holder_id
from core.services import Core
from core.signals import Signal, emit
from core.store.availability import REDIS_DOWN
from core.store.feedback import Rating
from core.sweeper import IDLE, Sweeper
from core.types import Inbound, Limits

log = logging.getLogger(__name__)

FEEDBACK_THANKS = "Thanks for the feedback."

# The order matters: clean strings before anything reads them, dedupe before anything the user
# could see, access before the rest (someone not let in hears only that), then the cheap checks;
# commands before the quota, so /usage answers someone over budget.
STEPS: tuple[Step, ...] = (hygiene, admission, access, validate, commands, quota)


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
        if not inbound.received_at:
            inbound = dataclasses.replace(inbound, received_at=time.time())
        conv_id = str(self.core.conversation(inbound))
        lock, users = self._intake.get(conv_id, (asyncio.Lock(), 0))
        self._intake[conv_id] = (lock, users + 1)
        try:
            with self.core.about(inbound):
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

    async def admits(self, inbound: Inbound) -> bool:
        """Whether ACCESS_POLICY lets this sender talk (before an adapter does work for them,
        e.g. opening a thread); the pipeline decides again, and answers those it refuses."""
        return await self.core.access.decide(inbound, self.core.binding(inbound)) is Verdict.ALLOWED

    async def notify(self, inbound: Inbound, text: str) -> None:
        """A fixed answer outside the model (a sticker is "not this kind of message"): dedupe and
        access apply. Raises NotStored while Redis is unreachable."""
        with self.core.about(inbound):
            try:
                inbound = clean_inbound(inbound)
                if not await self.admits(inbound):
                    return
                self._refuse_while_down(inbound)
                if await self.core.admissions.first_time(inbound.platform, inbound.event_id, inbound.chat_id):
                    self.core.notices.send(inbound, text)
            except REDIS_DOWN as exc:
                raise self._not_stored(inbound, exc) from None
            except NotStored:
                emit(Signal.NOT_STORED, platform=inbound.platform)
                raise
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
            if not await self.core.admissions.first_time(inbound.platform, inbound.event_id, inbound.chat_id):
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
            answer, model = clean_text(answer), clean_text(model)  # a button's value: no lone surrogate for Redis
            if not await self.admits(inbound):
                return
            if not await self.core.admissions.first_time(inbound.platform, inbound.event_id, inbound.chat_id):
                return
            if await self.core.feedback.record(inbound.platform, answer, inbound.user_id, rating, model):
                self.core.metrics.rated(inbound.platform, rating, model)
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
        core = self.core
        try:
            self._refuse_while_down(inbound)
            current = inbound
            for step in STEPS:
                passed = await step(current, core)
                if passed is None:  # answered at once, refused, or a duplicate
                    # `current`, cleaned: the ids as sent may hold a lone surrogate, which Redis cannot take.
                    await core.admissions.handled(current.platform, current.event_id, current.chat_id)
                    break
                current = passed
            else:
                await self._enqueue(current)
                return  # settled once answered
        except NotStored:
            emit(Signal.NOT_STORED, platform=inbound.platform)
            raise
        except REDIS_DOWN as exc:
            raise self._not_stored(inbound, exc) from None
        except Exception as exc:
            core.metrics.redis_failed(exc)
            log.exception("failed to handle %s event %s", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):  # e.g. a platform nobody bound: logged above
                core.notices.send(inbound, SOMETHING_WRONG)
        if inbound.reply_route.get(ROUTE):  # after this message's notices, which go out from tasks
            core.notices.then(inbound, lambda: core.relay.settled_for(inbound))

    def _refuse_while_down(self, inbound: Inbound) -> None:
        """While an outage is known, refuse at once instead of waiting for redis-py's retries."""
        if not self.core.availability.up:
            raise NotStored("Redis is unreachable")

    def _not_stored(self, inbound: Inbound, exc: BaseException) -> NotStored:
        self.core.availability.lost(exc)  # logs the outage once
        self.core.metrics.redis_failed(exc)
        emit(Signal.NOT_STORED, platform=inbound.platform)
        log.debug("%s event %s not stored: %s", inbound.platform, inbound.event_id, exc)
        return NotStored("Redis is unreachable")

    async def _enqueue(self, inbound: Inbound) -> None:
        core = self.core
        conv_id = str(core.conversation(inbound))
        token = core.queue.new_token()
        seen = core.admissions.seen_key(inbound.platform, inbound.event_id, inbound.chat_id)
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
        """Wait until every conversation this process is answering has drained, and every notice
        queued went out.

        With `within`, gives up after that many seconds (the replies go on: they are handed
        over or cancelled by the caller); True when everything drained.
        """
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while self._drains or self.core.notices.pending:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            # asyncio.wait, not gather: giving up must not cancel the replies.
            waiting = [*self._drains, *self.core.notices.tasks]
            await asyncio.wait(waiting, timeout=left)
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
        await self.core.notices.cancel()
        await self.core.availability.close()

    async def _stop_sweeping(self) -> None:
        self._closing.set()
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
            self._sweeping = None

"""One conversation this process holds: its queued messages answered in order, oldest first,
under a lease renewed on a clock.

* The lease renewal also saves the reply's checkpoint when its text changed (no extra round trip).
* Redis going away mid-reply: the answer waits for it, then starts again and continues in the
  messages already shown (the checkpoint kept in this process); the acknowledgement is retried
  (its script is safe to repeat). One log line per outage, none per message.
* Losing the lease (another replica adopted the queue): the answer stops at once; the adopter
  continues in the same messages.
* Handing over (shutting down): the answer stops, its checkpoint is saved and the lease freed,
  so another replica continues at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.pipeline.answer import answer
from core.reply.checkpoint import ReplyCheckpoint
from core.services import Core
from core.store.availability import REDIS_DOWN
from core.store.conversation_queue import Exchange
from core.types import Inbound

log = logging.getLogger(__name__)

SOMETHING_WRONG = "Something went wrong on our side. Please try again."


class Drain:
    def __init__(self, core: Core, conv_id: str, token: str, head: bytes | None) -> None:
        self.conv_id = conv_id
        self._core = core
        self._queue = core.queue
        self._availability = core.availability
        self._token = token
        self._head = head  # None: adopted, the head is fetched first
        self._answering: bytes | None = None
        self._checkpoint: ReplyCheckpoint | None = None
        self._lost = False
        self._handing_over = False
        self._abandoned = False
        self._stop = asyncio.Event()  # set with any of the three: the reply stops at once
        self._running = True  # loops end by themselves too: redis-py can swallow a cancel mid-command

    async def run(self) -> None:
        renewer = asyncio.create_task(self._keep_lease(), name=f"lease {self.conv_id}")
        try:
            item = self._head if self._head is not None else await self._next(None, None)
            while item is not None and not self._stopped:
                self._answering = item
                inbound = Inbound.from_json(item)
                with self._core.about(inbound):
                    exchange = await self._answer(inbound)
                    if self._stopped:
                        break
                    item = await self._next(item, exchange)
                    self._checkpoint = None  # acknowledged: the checkpoint went with it
                    await self._core.relay.settled_for(inbound)  # after the ack: it is in the history now
            if self._handing_over:
                await self._release()
        except Exception as exc:  # a conversation task's outermost boundary: its lease lapses, a sweeper resumes it
            self._core.metrics.redis_failed(exc)
            log.exception("conversation %s stopped draining; another holder resumes it", self.conv_id)
        finally:
            self._running = False
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    @property
    def _stopped(self) -> bool:
        return self._lost or self._handing_over or self._abandoned

    def abandon(self) -> None:
        """Stop at once, as a crash would: no acknowledgement, no hand-over; the lease runs out."""
        self._abandoned = True
        self._stop.set()

    def hand_over(self) -> None:
        """Stop answering; `run` then saves the checkpoint and frees the lease before it returns."""
        self._handing_over = True
        self._stop.set()

    async def _answer(self, inbound: Inbound) -> Exchange | None:
        self._checkpoint = checkpoint = ReplyCheckpoint(self.conv_id, inbound.event_id, self._core.checkpoints.save)
        while not self._stopped:
            reply = asyncio.create_task(self._answer_once(inbound, checkpoint))
            stop = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({reply, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                if not reply.done():
                    await _cancelled(reply)
            if reply.cancelled():
                continue  # stopped: lease lost, handing over, or abandoned
            try:
                return reply.result()
            except REDIS_DOWN as exc:
                self._availability.lost(exc)
                checkpoint.carry_over()  # the next attempt continues what this one showed
                await self._redis_back()
        return None

    async def _answer_once(self, inbound: Inbound, checkpoint: ReplyCheckpoint) -> Exchange | None:
        try:
            return await answer(inbound, self._core, checkpoint)
        except REDIS_DOWN:
            raise
        except Exception as exc:
            # A bug or a platform outage must not wedge the queue: log, tell the user, move on.
            self._core.metrics.redis_failed(exc)
            self._core.metrics.replied(inbound.platform, "error")
            log.exception("answering %s event %s failed", inbound.platform, inbound.event_id)
            with contextlib.suppress(Exception):
                await self._core.outlet_for(inbound).notice(SOMETHING_WRONG)
            return None

    async def _next(self, answered: bytes | None, exchange: Exchange | None) -> bytes | None:
        """Acknowledge `answered` (storing its exchange) and fetch the next message; waits out
        an outage and repeats the call (the script does nothing twice)."""
        while True:
            try:
                nxt = await self._queue.next(self.conv_id, self._token, answered=answered, exchange=exchange)
            except REDIS_DOWN as exc:
                self._availability.lost(exc)
                if not await self._redis_back():
                    return None  # handed over meanwhile: the message stays queued for whoever adopts it
                continue
            if nxt.lost:
                log.warning("lost the lease on %s; another replica carries on", self.conv_id)
                self._lost = True
                self._stop.set()
            return nxt.item

    async def _keep_lease(self) -> None:
        period = delay = self._queue.lease_ms / 3000
        while self._running:
            await asyncio.sleep(delay)  # a lease is renewed on a clock, by design
            delay = period
            checkpoint = self._checkpoint.pending() if self._checkpoint is not None else None
            try:
                held = await self._queue.renew(self.conv_id, self._token, self._answering, checkpoint)
            except REDIS_DOWN as exc:
                self._availability.lost(exc)
                if self._checkpoint is not None and checkpoint is not None:
                    self._checkpoint.touched()  # not saved: try again with the next renewal
                await self._redis_back()
                delay = 0  # renew the moment Redis answers: the lease may be about to run out
                continue
            if not held and self._running:
                log.warning("lost the lease on %s; another replica carries on", self.conv_id)
                self._lost = True
                self._stop.set()
                return

    async def _redis_back(self) -> bool:
        """Waits until Redis answers again (True) or this conversation is let go (False)."""
        up = asyncio.ensure_future(self._availability.wait_up())
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({up, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            up.cancel()
            stop.cancel()
        return not self._stop.is_set()

    async def _release(self) -> None:
        checkpoint = self._checkpoint.latest() if self._checkpoint is not None else None
        try:
            if await self._queue.release(self.conv_id, self._token, checkpoint):
                log.info("handed %s over to another replica", self.conv_id)
        except REDIS_DOWN as exc:
            self._availability.lost(exc)  # the lease runs out by itself; a sweeper adopts it then


async def _cancelled(task: asyncio.Task[Exchange | None]) -> None:
    """Cancels `task` and waits until it ended; a cancel that redis-py swallowed mid-command is
    sent again (the task then stops at its next await)."""
    for _ in range(50):
        task.cancel()
        await asyncio.wait({task}, timeout=0.2)
        if task.done():
            break
    else:
        log.warning("a reply did not stop when asked to; leaving it")
    if task.done() and not task.cancelled():
        task.exception()  # retrieved: what it failed with no longer matters

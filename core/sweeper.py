"""Adopts queues whose holder stopped renewing its lease (it crashed, or was killed).

It sleeps until the earliest lease deadline in Redis, and at most `idle` seconds, so a queue
handed over by a replica shutting down (its deadline set to "now") is taken within that. All
replicas' sweepers may wake for the same deadline: the adopt script lets exactly one win.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from core.jitter import jitter
from core.signals import Signal, emit
from core.store.availability import REDIS_DOWN, RedisAvailability
from core.store.conversation_queue import ConversationQueue

log = logging.getLogger(__name__)

IDLE = 1.0  # seconds between looks when no deadline is nearer
JITTER = 0.05  # spreads the replicas' wake-ups for one deadline


class Sweeper:
    def __init__(self, queue: ConversationQueue, availability: RedisAvailability,
                 spawn: Callable[[str, str], None], *, idle: float = IDLE) -> None:
        self._queue = queue
        self._availability = availability
        self._spawn = spawn
        self._idle = idle
        self._grace = queue.lease_ms / 1000  # after an outage, holders get this long to renew

    async def sweep_once(self) -> tuple[int, float | None]:
        """Adopt every queue whose lease ran out; returns (how many, seconds until the next deadline)."""
        due = await self._queue.due()
        if self._availability.recovered_within(self._grace):
            return 0, self._idle  # Redis just came back: the holders renew first
        adopted = 0
        for conv_id, overdue in due.overdue:
            token = self._queue.new_token()
            if await self._queue.adopt(conv_id, token):
                adopted += 1
                log.warning("adopted conversation %s, due %.1f s ago (its holder stopped renewing, or handed it over)",
                            conv_id, overdue)
                emit(Signal.QUEUE_ADOPTED)
                self._spawn(conv_id, token)
        if due.overdue:
            return adopted, 0.0  # deadlines moved: look again at once
        return adopted, due.next_in

    async def run(self, closing: asyncio.Event) -> None:
        while not closing.is_set():
            try:
                _, next_in = await self.sweep_once()
            except REDIS_DOWN as exc:
                self._availability.lost(exc)
                await self._availability.wait_up()
                continue
            except Exception:  # outermost boundary of the sweeper task: it must keep sweeping
                log.exception("queue sweep failed")
                next_in = self._idle
            wait = self._idle if next_in is None else min(max(next_in, 0.0), self._idle)
            # Wakes at once on close: redis-py can swallow a cancel that lands mid-command.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), wait + jitter(JITTER))

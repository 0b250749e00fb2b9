"""Work that one replica at a time does for the whole deployment (a Telegram long poll, a
Discord shard's gateway connection), held through a lease in Redis. The other replicas stand
by and take over within about one lease after the holder dies; a holder shutting down frees
the role at once.

While Redis is away nobody can take the role over, so the holder keeps working (a Discord
shard keeps receiving into its backlog) and asserts its lease again when Redis returns;
standbys let a lease's length pass after an outage before taking anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from core.jitter import jitter
from core.signals import Signal, emit
from core.store.availability import REDIS_DOWN, RedisAvailability
from core.store.leases import Leases

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]
Watch = Callable[[bool], None]  # told True when this process takes the role, False when it starts standing by


def holder_id() -> str:
    """Who holds a role: readable by an operator (host and pid), unique per process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class ExclusiveRole:
    def __init__(self, leases: Leases, availability: RedisAvailability, name: str, *, ttl: float,
                 holder: str) -> None:
        self.name = name
        self._leases = leases
        self._availability = availability
        self._ttl = ttl
        self._holder = holder

    async def run(self, work: Work, watch: Watch = lambda held: None) -> None:
        """Stand by until the role is free, do `work` while holding it, stand by again if the
        lease is lost. Returns when `work` returns (its owner stopped it); cancel to stop."""
        standing_by = False
        while True:
            wait = await self._take()
            if wait is not None:
                if not standing_by:
                    standing_by = True
                    watch(False)
                await asyncio.sleep(wait + jitter(0.1))  # standing by: the lease's clock decides
                continue
            standing_by = False
            log.info("this process now holds %s", self.name)
            emit(Signal.ROLE_TAKEN, role=self.name)
            watch(True)
            task = asyncio.create_task(work(), name=self.name)
            try:
                finished = await self._hold(task)
            finally:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await self._let_go()
            if finished:
                return
            log.warning("lost %s to another process; standing by", self.name)

    async def _take(self) -> float | None:
        """One attempt: None when the role is ours now, else how long to wait before the next."""
        try:
            if self._availability.recovered_within(self._ttl):
                return self._ttl  # after an outage the holder gets a lease's length to come back
            attempt = await self._leases.acquire(self.name, self._holder, self._ttl)
        except REDIS_DOWN as exc:
            self._availability.lost(exc)
            await self._availability.wait_up()
            return 0.0
        return None if attempt.held else min(attempt.wait, self._ttl / 3)

    async def _hold(self, task: asyncio.Task[None]) -> bool:
        """Renews the lease while `task` runs; True when the task ended, False when the role was lost."""
        period = delay = self._ttl / 3
        while True:
            done, _ = await asyncio.wait({task}, timeout=delay)
            delay = period
            if done:
                task.result()  # the work's own failure goes up to the owner
                return True
            try:
                if not await self._leases.renew(self.name, self._holder, self._ttl):
                    return False
            except REDIS_DOWN as exc:
                self._availability.lost(exc)
                up = asyncio.ensure_future(self._availability.wait_up())
                try:
                    await asyncio.wait({task, up}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    up.cancel()
                delay = 0  # assert the lease again the moment Redis answers

    async def _let_go(self) -> None:
        with contextlib.suppress(*REDIS_DOWN):
            await self._leases.release(self.name, self._holder)

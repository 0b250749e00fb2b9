"""For a platform that never re-sends an update (Discord's gateway): updates that could not be
stored wait here, in arrival order, and go in when Redis answers again. Once anything waits,
later updates queue behind it, so order is kept. Past `limit` waiting, an update is refused
and its sender told in one line (`refused`), because nothing else would ever answer it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable

from core.errors import NotStored
from core.gateway import Gateway
from core.signals import Signal, emit
from core.types import Inbound

log = logging.getLogger(__name__)

Refused = Callable[[Inbound], Awaitable[None]]


class IntakeBacklog:
    def __init__(self, gateway: Gateway, *, limit: int, refused: Refused) -> None:
        self._gateway = gateway
        self._limit = limit
        self._refused = refused
        self._waiting: collections.deque[Inbound] = collections.deque()
        self._draining: asyncio.Task[None] | None = None
        self._overflowed = 0

    async def submit(self, inbound: Inbound) -> None:
        """Store the update now, or keep it until it can be (never raises NotStored)."""
        if not self._waiting:
            try:
                await self._gateway.handle(inbound)
                return
            except NotStored as exc:
                if exc.busy:
                    return  # another replica is taking this very update in
        await self._keep(inbound)

    async def _keep(self, inbound: Inbound) -> None:
        if len(self._waiting) >= self._limit:
            self._overflowed += 1
            if self._overflowed == 1:
                log.warning("intake backlog full (%d waiting for Redis): refusing new messages", self._limit)
            emit(Signal.BACKLOG_OVERFLOW, platform=inbound.platform)
            await self._refused(inbound)
            return
        if not self._waiting:
            log.warning("Redis is unreachable: keeping %s updates in memory until it answers", inbound.platform)
        self._waiting.append(inbound)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="intake backlog")

    async def _drain(self) -> None:
        while self._waiting:
            await self._gateway.until_storable()
            try:
                await self._gateway.handle(self._waiting[0])
            except NotStored as exc:
                if not exc.busy:
                    continue  # Redis went away again: wait for it once more
            self._waiting.popleft()
        log.info("intake backlog stored%s", f"; {self._overflowed} refused while full" if self._overflowed else "")
        self._overflowed = 0

    async def close(self) -> None:
        """Shutting down: what still waits is lost (Redis never came back); said in one line."""
        if self._waiting:
            log.warning("%d updates still waited for Redis at shutdown and are lost", len(self._waiting))
        if self._draining is not None:
            self._draining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._draining

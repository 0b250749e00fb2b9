"""Readiness: should this replica get traffic? Only while Redis answers and every configured
platform is connected.

Redis is probed in the background (a PING every second on a connection of its own, so a
busy pool or a hung server cannot hold the probe up), never per /readyz request: the answer
follows an outage within about two seconds, both ways. Platforms report their own state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.metrics import Metrics

log = logging.getLogger(__name__)

PROBE_EVERY = 1.0  # seconds between two Redis PINGs
PROBE_TIMEOUT = 1.0  # a PING slower than this counts as Redis being away


class Connected(Protocol):
    """What readiness reads of an adapter (bots/base.py Adapter has it)."""

    name: str

    def ready(self) -> bool: ...

    def status(self) -> str: ...


def probe_client(url: str, timeout: float = PROBE_TIMEOUT) -> Redis:
    """The probe's own client: short timeouts, no retries (redis-py's default when a pool is built from a URL)."""
    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, driver_info=None)


class Readiness:
    """`not_ready()` names what is not ready and why; empty means ready."""

    def __init__(self, redis: Redis, platforms: Sequence[Connected], metrics: Metrics, *,
                 every: float = PROBE_EVERY, timeout: float = PROBE_TIMEOUT, owned: bool = False) -> None:
        self._redis = redis  # the probe's own client when owned (closed by stop), else the gateway's
        self._owned = owned
        self._platforms = platforms
        self._metrics = metrics
        self._every = every
        self._timeout = timeout
        self._redis_problem: str | None = "not probed yet"
        self._probed = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Probes once now (so /readyz is right from the first request), then every `every` s."""
        await self._probe()
        self._task = asyncio.create_task(self._probe_forever(), name="readiness probe")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._owned:
            await self._redis.aclose()

    def not_ready(self) -> dict[str, str]:
        """Component -> why it is not ready ("redis", each platform's name)."""
        problems: dict[str, str] = {}
        if self._redis_problem is not None:
            problems["redis"] = self._redis_problem
        for platform in self._platforms:
            ready = platform.ready()
            self._metrics.of(self._metrics.ready, platform.name).set(1 if ready else 0)
            if not ready:
                problems[platform.name] = platform.status()
        return problems

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self._every)  # a probe runs on a clock, by design
            await self._probe()

    async def _probe(self) -> None:
        try:
            async with asyncio.timeout(self._timeout + 0.5):  # the socket timeout fires first
                await self._redis.ping()
            problem = None
        except (RedisError, OSError, TimeoutError) as exc:
            self._metrics.redis_errors.inc()
            problem = f"unreachable ({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})"
        if self._probed and (problem is None) != (self._redis_problem is None):
            if problem is None:
                log.info("Redis answers again: ready")
            else:
                log.warning("Redis is %s: not ready until it answers", problem)
        self._probed = True
        self._redis_problem = problem
        self._metrics.of(self._metrics.ready, "redis").set(1 if problem is None else 0)
        self.not_ready()  # the platforms' gauges, between two /readyz requests too

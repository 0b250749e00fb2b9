"""Whether this process can reach Redis: an outage is one log line when it starts and one when
it ends, and whoever must wait for Redis waits here instead of retrying on its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.signals import Signal, emit

log = logging.getLogger(__name__)

# What an unreachable (or restarting, still loading) Redis raises; redis-py has already
# retried the call a few times with backoff before it gets here.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
PROBE_EVERY = 0.25  # seconds between pings while Redis is away


class RedisAvailability:
    def __init__(self, redis: Redis, *, probe_every: float = PROBE_EVERY) -> None:
        self._redis = redis
        self._probe_every = probe_every
        self._up = asyncio.Event()
        self._up.set()
        self._down_since = 0.0
        self.recovered_at = -1e9  # monotonic time of the last outage's end
        self._probe: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    def recovered_within(self, seconds: float) -> bool:
        """True while less than `seconds` have passed since the last outage ended."""
        return time.monotonic() - self.recovered_at < seconds

    def lost(self, exc: BaseException) -> None:
        """Report a failed call; the first report of an outage logs it and starts probing."""
        if not self._up.is_set():
            return
        self._up.clear()
        self._down_since = time.monotonic()
        log.warning("Redis is unreachable (%s): updates are left unacknowledged and replies wait "
                    "until it answers again", _short(exc))
        emit(Signal.REDIS_DOWN)
        self._probe = asyncio.create_task(self._wait_for_redis(), name="redis probe")

    async def wait_up(self) -> None:
        """Returns at once while Redis answers, else when it answers again."""
        await self._up.wait()

    async def _wait_for_redis(self) -> None:
        while True:
            await asyncio.sleep(self._probe_every)  # probing a server that is away: a clock by nature
            try:
                await self._redis.ping()
            except REDIS_DOWN:
                continue
            self.recovered_at = time.monotonic()
            log.warning("Redis answers again after %.1f s", self.recovered_at - self._down_since)
            emit(Signal.REDIS_UP)
            self._up.set()
            return

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]

"""A per-user message limit: a fixed one-minute window counted in Redis."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys

# INCR and start the window on the first hit; EXPIRE NX needs Redis 7, the embedded one is 6.2.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


class UserRateLimit:
    def __init__(self, redis: Redis, keys: Keys, *, per_minute: int) -> None:
        self._redis = redis
        self._keys = keys
        self._per_minute = per_minute
        self._count = redis.register_script(_COUNT)

    async def wait_seconds(self, platform: str, user_id: str) -> int:
        """0 when the message may go ahead, else how many seconds until it may."""
        if self._per_minute <= 0:
            return 0
        key = self._keys.rate(platform, user_id)
        count, ttl = await self._count(keys=[key], args=[60])
        return 0 if int(count) <= self._per_minute else max(1, int(ttl))

"""Dedupe and the per-user flood limit, checked in one Redis round trip."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys

# KEYS: seen, rate. ARGV: seen ttl, per-minute limit.
# A duplicate is not counted against the limit; the window starts on the first message.
# Returns {first time, seconds until the window ends when over the limit, 1 for the first
# message over the limit in this window (the one that gets told)}.
_ADMIT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {0, 0, 0} end
local limit = tonumber(ARGV[2])
if limit <= 0 then return {1, 0, 0} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('EXPIRE', KEYS[2], 60) end
if n <= limit then return {1, 0, 0} end
local first = 0
if n == limit + 1 then first = 1 end
return {1, math.max(1, redis.call('TTL', KEYS[2])), first}
"""


@dataclass(frozen=True)
class Admission:
    first_time: bool  # False: a re-delivery of an event already handled
    wait_seconds: int  # > 0: over the flood limit, try again after this
    first_over: bool = False  # the first message over the limit in this window: the one told so


class Admissions:
    def __init__(self, redis: Redis, keys: Keys, *, per_minute: int, seen_ttl: int = 24 * 3600) -> None:
        self._redis = redis
        self._keys = keys
        self._per_minute = per_minute
        self._seen_ttl = seen_ttl
        self._admit = redis.register_script(_ADMIT)

    async def admit(self, platform: str, event_id: str, user_id: str) -> Admission:
        keys = [self._keys.seen(platform, event_id), self._keys.rate(platform, user_id)]
        fresh, wait, first_over = await self._admit(keys=keys, args=[self._seen_ttl, self._per_minute])
        return Admission(bool(int(fresh)), int(wait), bool(int(first_over)))

    async def first_time(self, platform: str, event_id: str) -> bool:
        """Dedupe alone, for events that skip the flood limit (fixed notes such as "not this kind of message")."""
        key = self._keys.seen(platform, event_id)
        return bool(await self._redis.set(key, b"1", nx=True, ex=self._seen_ttl))

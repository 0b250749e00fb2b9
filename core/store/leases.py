"""Leases on one-at-a-time roles (the Telegram poller, each Discord shard): one key per role
holding its holder's id, with a time to live the holder keeps extending."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys

# KEYS: role. ARGV: holder, ttl ms. Returns {1, ttl} when the caller holds it now, else {0, ms left}.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, tonumber(ARGV[2])}
end
return {0, redis.call('PTTL', KEYS[1])}
"""

# KEYS: role. ARGV: holder, ttl ms. Extends our lease; one that lapsed unclaimed (Redis was
# away longer than the lease) is taken back. 0: someone else holds it now.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: role. ARGV: holder. Frees the role at once (shutting down), if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Attempt:
    held: bool
    wait: float  # seconds: the lease's length when held, else until the holder's lease runs out


class Leases:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._keys = keys
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def acquire(self, role: str, holder: str, ttl: float) -> Attempt:
        held, ms = await self._acquire(keys=[self._keys.role(role)], args=[holder, int(ttl * 1000)])
        return Attempt(bool(int(held)), max(int(ms), 0) / 1000)

    async def renew(self, role: str, holder: str, ttl: float) -> bool:
        return bool(await self._renew(keys=[self._keys.role(role)], args=[holder, int(ttl * 1000)]))

    async def release(self, role: str, holder: str) -> None:
        await self._release(keys=[self._keys.role(role)], args=[holder])

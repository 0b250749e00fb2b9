"""Remember platform event ids so a re-delivered update gets no second reply."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys


class EventDedupe:
    def __init__(self, redis: Redis, keys: Keys, *, ttl: int = 24 * 3600) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl

    async def first_time(self, platform: str, event_id: str) -> bool:
        """True exactly once per event id across every replica (SET NX)."""
        created = await self._redis.set(self._keys.seen(platform, event_id), b"1", nx=True, ex=self._ttl)
        return bool(created)

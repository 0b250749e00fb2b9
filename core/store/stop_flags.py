"""Counters that /stop and /reset bump; a streaming reply on any replica watches them."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey


@dataclass(frozen=True)
class StopMarks:
    stops: int
    resets: int


class StopFlags:
    def __init__(self, redis: Redis, keys: Keys, *, ttl: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl

    async def snapshot(self, conv: ConversationKey) -> StopMarks:
        stops, resets = await self._redis.hmget(self._keys.stop(conv), ["stop", "reset"])
        return StopMarks(int(stops or 0), int(resets or 0))

    async def bump(self, conv: ConversationKey, *, reset: bool) -> None:
        key = self._keys.stop(conv)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "stop", 1)
            if reset:
                pipe.hincrby(key, "reset", 1)
            pipe.expire(key, self._ttl)
            await pipe.execute()

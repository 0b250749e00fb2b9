"""Per-conversation history: a capped Redis list of JSON turns with a sliding TTL."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey, Turn


class HistoryStore:
    def __init__(self, redis: Redis, keys: Keys, *, ttl: int, max_turns: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl
        self._max_turns = max_turns

    async def load(self, conv: ConversationKey) -> list[Turn]:
        """All stored turns, oldest first; reading refreshes the TTL."""
        key = self._keys.history(conv)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.expire(key, self._ttl)
            raw, _ = await pipe.execute()
        return [Turn.from_json(item) for item in raw]

    async def append(self, conv: ConversationKey, *turns: Turn) -> None:
        """Add turns in one MULTI so a reader never sees a question without its answer."""
        key = self._keys.history(conv)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *(t.to_json() for t in turns))
            pipe.ltrim(key, -self._max_turns, -1)
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def clear(self, conv: ConversationKey) -> None:
        await self._redis.delete(self._keys.history(conv))

"""Where a streaming reply's checkpoint lives: one key per conversation (one reply streams at
a time); the queue's ack deletes it in the same step, and its lease renewal updates it."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.conversation_queue import REPLY_TTL_MS
from core.store.keys import Keys


class ReplyCheckpoints:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def save(self, conv: str, blob: str) -> None:
        await self._redis.set(self._keys.reply(conv), blob, px=REPLY_TTL_MS)

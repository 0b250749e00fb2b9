"""Per-conversation history: a capped Redis list of JSON turns with a sliding TTL.

Turns are written by the script that acknowledges an answered message
(core/store/conversation_queue.py) and read with the rest of a reply's context
(core/store/context.py); what is left here is forgetting.
"""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey


class HistoryStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def clear(self, conv: ConversationKey) -> None:
        await self._redis.delete(self._keys.history(conv))

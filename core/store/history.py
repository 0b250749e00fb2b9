"""Per-conversation history: a capped Redis list of JSON turns with a sliding TTL.

Turns are written by the script that acknowledges an answered message
(core/store/conversation_queue.py) and read with the rest of a reply's context
(core/store/context.py); what is left here is forgetting, and the last turns for
/continue and /retry.
"""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey, Turn

# KEYS: history. Removes the last exchange (a user turn, then the assistant's) and returns the
# user turn's JSON; false when the history does not end with an exchange. Atomic, so an answer
# stored meanwhile is never the one removed by mistake.
_TAKE_LAST = """
local last = redis.call('LRANGE', KEYS[1], -2, -1)
if #last < 2 then return false end
if cjson.decode(last[1]).r ~= 'user' or cjson.decode(last[2]).r ~= 'assistant' then return false end
redis.call('LTRIM', KEYS[1], 0, -3)
return last[1]
"""


class HistoryStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._take_last = redis.register_script(_TAKE_LAST)

    async def clear(self, conv: ConversationKey) -> None:
        """Forgets the conversation (and that it was ever active: no "expired" note follows)."""
        await self._redis.delete(self._keys.history(conv), self._keys.last_active(conv))

    async def last(self, conv: ConversationKey) -> Turn | None:
        raw = await self._redis.lindex(self._keys.history(conv), -1)
        return Turn.from_json(raw) if raw else None

    async def take_last_exchange(self, conv: ConversationKey) -> Turn | None:
        """Removes the last question and its answer; returns the question (None: there is none)."""
        raw = await self._take_last(keys=[self._keys.history(conv)])
        return Turn.from_json(raw) if raw else None

"""Everything answering a message needs from Redis, read in one round trip."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from core.store.keys import Keys
from core.store.pacing import TAKE_SCRIPT, Token
from core.store.stop_flags import StopMarks
from core.types import ConversationKey, Limits, Turn


@dataclass(frozen=True)
class ConversationContext:
    history: list[Turn]
    model_choice: str | None
    marks: StopMarks  # /stop and /reset counters when answering began
    first_slot: Token  # the reply's first update, taken from the chat's budget now


class ContextLoader:
    def __init__(self, redis: Redis, keys: Keys, *, history_ttl: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = history_ttl
        self._take = redis.register_script(TAKE_SCRIPT)

    async def load(self, conv: ConversationKey, platform: str, user_id: str, chat_id: str,
                   limits: Limits) -> ConversationContext:
        """History (TTL refreshed), model choice, stop marks, and a token of the chat's update budget."""
        hist = self._keys.history(conv)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lrange(hist, 0, -1)
            pipe.expire(hist, self._ttl)
            pipe.get(self._keys.model_choice(platform, user_id))
            pipe.hmget(self._keys.stop(conv), ["stop", "reset"])
            # evalsha, not the Script helper: in a pipeline that one costs a SCRIPT EXISTS round trip.
            pipe.evalsha(self._take.sha, 1, self._keys.pace(platform, chat_id), int(limits.min_edit_interval * 1000),
                         limits.burst)
            try:
                raw, _, choice, (stops, resets), slot = await pipe.execute()
            except NoScriptError:
                await self._redis.script_load(TAKE_SCRIPT)  # Redis restarted and forgot it
                return await self.load(conv, platform, user_id, chat_id, limits)
        return ConversationContext(
            history=[Turn.from_json(item) for item in raw],
            model_choice=choice.decode() if isinstance(choice, bytes) else choice,
            marks=StopMarks(int(stops or 0), int(resets or 0)),
            first_slot=Token.from_script(slot),
        )

"""Everything answering a message needs from Redis, read in one round trip."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from core.interrupts import StopMarks
from core.store.keys import Keys
from core.store.pacing import RESERVE_SCRIPT
from core.types import ConversationKey, Turn


@dataclass(frozen=True)
class ConversationContext:
    history: list[Turn]
    model_choice: str | None
    marks: StopMarks  # /stop and /reset counters when answering began
    first_slot: tuple[float, int]  # the reply's first update slot, reserved now: (seconds to wait, after)
    reply_checkpoint: bytes | None = None  # what an earlier attempt at this conversation's reply left


class ContextLoader:
    def __init__(self, redis: Redis, keys: Keys, *, history_ttl: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = history_ttl
        self._reserve = redis.register_script(RESERVE_SCRIPT)

    async def load(self, conv: ConversationKey, platform: str, user_id: str, chat_id: str,
                   edit_interval: float) -> ConversationContext:
        """History (TTL refreshed), model choice, stop marks, a first pacing slot, and the
        checkpoint of a reply an earlier attempt left unfinished."""
        hist = self._keys.history(conv)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lrange(hist, 0, -1)
            pipe.expire(hist, self._ttl)
            pipe.get(self._keys.model_choice(platform, user_id))
            pipe.hmget(self._keys.stop(conv), ["stop", "reset"])
            # evalsha, not the Script helper: in a pipeline that one costs a SCRIPT EXISTS round trip.
            pipe.evalsha(self._reserve.sha, 1, self._keys.pace(platform, chat_id), int(edit_interval * 1000))
            pipe.get(self._keys.reply(conv))
            try:
                raw, _, choice, (stops, resets), slot, checkpoint = await pipe.execute()
            except NoScriptError:
                await self._redis.script_load(RESERVE_SCRIPT)  # Redis restarted and forgot it
                return await self.load(conv, platform, user_id, chat_id, edit_interval)
        return ConversationContext(
            history=[Turn.from_json(item) for item in raw],
            model_choice=choice.decode() if isinstance(choice, bytes) else choice,
            marks=StopMarks(int(stops or 0), int(resets or 0)),
            first_slot=(int(slot[0]) / 1000, int(slot[1])),
            reply_checkpoint=checkpoint,
        )

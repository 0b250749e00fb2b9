"""Everything answering a message needs from Redis, read in one round trip."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from core.interrupts import StopMarks
from core.store.keys import Keys
from core.store.ledger import Ledger, Periods, QuotaState
from core.store.pacing import TAKE_SCRIPT, Token
from core.types import ConversationKey, Limits, Turn


@dataclass(frozen=True)
class ConversationContext:
    history: list[Turn]
    model_choice: str | None  # the user's own /model
    marks: StopMarks  # /stop and /reset counters when answering began
    first_slot: Token  # the reply's first update, taken from the chat's budget now
    expired: bool = False  # the conversation was forgotten after SESSION_TTL of silence (not /reset)
    chat_model: str | None = None  # the chat's /chatmodel
    chat_prompt: str | None = None  # the chat's /prompt
    quota: QuotaState | None = None  # tokens this user spent (None: no ledger given)
    reply_checkpoint: bytes | None = None  # what an earlier attempt at this conversation's reply left

    def model(self, default: str) -> str:
        """The user's own /model, then the chat's /chatmodel, then the default."""
        return self.model_choice or self.chat_model or default


# How long past SESSION_TTL a conversation's last activity is remembered, so the first answer
# after it expired can say that a fresh conversation started.
ACTIVITY_MEMORY = 30 * 24 * 3600


class ContextLoader:
    def __init__(self, redis: Redis, keys: Keys, *, history_ttl: int, ledger: Ledger | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = history_ttl
        self._ledger = ledger
        self._take = redis.register_script(TAKE_SCRIPT)

    async def load(self, conv: ConversationKey, platform: str, user_id: str, chat_id: str,
                   limits: Limits, *, periods: Periods | None = None) -> ConversationContext:
        """History (TTL refreshed), model choices, the chat's prompt, stop marks, what the user
        spent this period (with a ledger), a token of the chat's update budget, whether the
        conversation expired since its last answer (its last activity, read then moved to now),
        and the checkpoint of a reply an earlier attempt left unfinished."""
        hist = self._keys.history(conv)
        active = self._keys.last_active(conv)
        now = time.time()
        pace = self._keys.pace(platform, chat_id)
        take_args = (int(limits.min_edit_interval * 1000), limits.burst)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lrange(hist, 0, -1)
            pipe.expire(hist, self._ttl)
            pipe.set(active, f"{now:.0f}", ex=self._ttl + ACTIVITY_MEMORY, get=True)
            pipe.get(self._keys.model_choice(platform, user_id))
            pipe.hmget(self._keys.stop(conv), ["stop", "reset"])
            if not self._keys.clustered:
                # evalsha, not the Script helper: in a pipeline that one costs a SCRIPT EXISTS round trip.
                pipe.evalsha(self._take.sha, 1, pace, *take_args)
            pipe.get(self._keys.reply(conv))
            pipe.get(self._keys.chat_model(platform, chat_id))
            pipe.get(self._keys.chat_prompt(platform, chat_id))
            if self._ledger is not None:
                self._ledger.read_quota(pipe, platform, user_id, periods or Periods.at())
            try:
                if self._keys.clustered:  # a cluster pipeline runs no scripts: the token is taken beside it
                    found, slot = await asyncio.gather(pipe.execute(), self._take(keys=[pace], args=take_args))
                    found.insert(5, slot)
                else:
                    found = await pipe.execute()
                (raw, _, last, choice, (stops, resets), slot, checkpoint, chat_model, chat_prompt, *spent) = found
            except NoScriptError:
                await self._redis.script_load(TAKE_SCRIPT)  # Redis restarted and forgot it
                return await self.load(conv, platform, user_id, chat_id, limits, periods=periods)
        return ConversationContext(
            history=[Turn.from_json(item) for item in raw],
            model_choice=_text(choice),
            marks=StopMarks(int(stops or 0), int(resets or 0)),
            first_slot=Token.from_script(slot),
            # No history although it was active: forgotten by age when that was over SESSION_TTL ago
            # (an answer that failed, or /reset, leaves no history but a recent activity or none).
            expired=not raw and last is not None and now - float(last) >= self._ttl,
            chat_model=_text(chat_model),
            chat_prompt=_text(chat_prompt),
            quota=Ledger.quota_state(*spent) if spent else None,
            reply_checkpoint=checkpoint,
        )


def _text(raw: bytes | str | None) -> str | None:
    return raw.decode() if isinstance(raw, bytes) else raw

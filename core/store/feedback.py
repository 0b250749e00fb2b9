"""Ratings of answers (Slack's thumbs up / down): one vote per person and answer, counted per
platform, rating and model. /stats reads the counts (`FeedbackStore.counts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from core.store.keys import Keys

Rating = Literal["up", "down"]
VOTES_TTL = 90 * 24 * 3600  # how long a changed mind is recognised as the same person's vote

# KEYS: votes of one answer, counts. ARGV: user, rating, platform, model, votes ttl.
# A repeated click changes nothing; a changed mind moves the vote from one rating to the other.
# Returns 1 when the counts changed.
_RECORD = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
if old then redis.call('HINCRBY', KEYS[2], ARGV[3] .. '|' .. old .. '|' .. ARGV[4], -1) end
redis.call('HINCRBY', KEYS[2], ARGV[3] .. '|' .. ARGV[2] .. '|' .. ARGV[4], 1)
return 1
"""


@dataclass(frozen=True)
class FeedbackCount:
    platform: str
    model: str
    up: int = 0
    down: int = 0


class FeedbackStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._record = redis.register_script(_RECORD)

    async def record(self, platform: str, answer: str, user_id: str, rating: Rating, model: str) -> bool:
        """One person's rating of one answer (`answer`: the platform's id for it); True when counted."""
        keys = [self._keys.feedback_votes(platform, answer), self._keys.feedback_counts()]
        return bool(await self._record(keys=keys, args=[user_id, rating, platform, model or "?", VOTES_TTL]))

    async def counts(self) -> list[FeedbackCount]:
        """Every platform and model rated so far, with its thumbs up and down (for /stats)."""
        raw = await self._redis.hgetall(self._keys.feedback_counts())
        tally: dict[tuple[str, str], dict[str, int]] = {}
        for field, value in raw.items():
            name = field.decode() if isinstance(field, bytes) else str(field)
            platform, rating, model = name.split("|", 2)
            tally.setdefault((platform, model), {})[rating] = int(value)
        return [FeedbackCount(platform, model, votes.get("up", 0), votes.get("down", 0))
                for (platform, model), votes in sorted(tally.items())]

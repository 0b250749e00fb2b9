"""Dedupe and the per-user flood limit, checked in one Redis round trip.

An event's `seen` key goes through two states: a claim (this process is taking the event in;
short-lived, so a replica that dies mid-intake does not block the re-delivery for long) and
"1" (handled: stored in the queue, or answered at once). A re-delivery of a handled event is
a duplicate; one that meets another process's claim is left unacknowledged (the platform
re-sends it later, when the claim has become "1" or has lapsed). Meeting our own claim is a
re-delivery of an intake that failed here (Redis went away mid-way): it goes through again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis

from core.store.keys import Keys

HANDLED = "1"
CLAIM_MS = 10_000  # how long an unfinished intake keeps a re-delivery waiting

# KEYS: seen, rate. ARGV: claim token, claim ms, per-minute limit.
# Returns {1, wait s, first over} first time (wait > 0: over the flood limit; first over = 1 for
# the first message over it in this window, the one that gets told), {0, 0, 0} duplicate,
# {2, ms, 0} claimed by another process for that long. A duplicate is not counted against the
# limit; the window starts on the first message.
_CLAIM = """
local seen = redis.call('GET', KEYS[1])
if seen == '1' then return {0, 0, 0} end
if seen and seen ~= ARGV[1] then return {2, redis.call('PTTL', KEYS[1]), 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local limit = tonumber(ARGV[3])
if seen or limit <= 0 then return {1, 0, 0} end
"""
_COUNT = """
local n = redis.call('INCR', rate)
if n == 1 then redis.call('EXPIRE', rate, 60) end
if n <= limit then return {1, 0, 0} end
local first = 0
if n == limit + 1 then first = 1 end
return {1, math.max(1, redis.call('TTL', rate)), first}
"""
_ADMIT = _CLAIM + "local rate = KEYS[2]\n" + _COUNT
# On a cluster the seen mark (chat shard) and the flood count (person shard) live in different
# slots: the claim answers {1, -1, 0} where the count is still to take, then _COUNT_ALONE counts.
# _CLAIM_ALONE: KEYS seen, ARGV as _ADMIT's. _COUNT_ALONE: KEYS rate, ARGV as _ADMIT's.
_CLAIM_ALONE = _CLAIM + "return {1, -1, 0}\n"
_COUNT_ALONE = "local rate, limit = KEYS[1], tonumber(ARGV[3])\n" + _COUNT

# KEYS: seen. ARGV: claim token. Gives up our claim (the intake failed; a re-delivery may go on).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Verdict(Enum):
    FIRST_TIME = 1
    DUPLICATE = 0
    BUSY = 2  # another process is taking this event in right now


@dataclass(frozen=True)
class Admission:
    verdict: Verdict
    wait_seconds: int = 0  # > 0: over the flood limit, try again after this
    first_over: bool = False  # the first message over the limit in this window: the one told so

    @property
    def first_time(self) -> bool:
        return self.verdict is Verdict.FIRST_TIME


class Admissions:
    def __init__(self, redis: Redis, keys: Keys, *, per_minute: int, seen_ttl: int = 24 * 3600) -> None:
        self._redis = redis
        self._keys = keys
        self._per_minute = per_minute
        self.claim = "c:" + secrets.token_hex(6)  # this process's claims
        self.seen_ttl = seen_ttl  # the queue's script marks queued events handled for this long
        self._admit = redis.register_script(_ADMIT)
        self._claim_alone = redis.register_script(_CLAIM_ALONE)
        self._count_alone = redis.register_script(_COUNT_ALONE)
        self._release = redis.register_script(_RELEASE)

    def seen_key(self, platform: str, event_id: str, chat_id: str) -> str:
        return self._keys.seen(platform, event_id, chat_id)

    async def admit(self, platform: str, event_id: str, user_id: str, chat_id: str) -> Admission:
        seen, rate = self._keys.seen(platform, event_id, chat_id), self._keys.rate(platform, user_id)
        args: list[str | int] = [self.claim, CLAIM_MS, self._per_minute]
        if not self._keys.clustered:
            code, wait, first_over = await self._admit(keys=[seen, rate], args=args)
        else:
            code, wait, first_over = await self._claim_alone(keys=[seen], args=args)
            if int(wait) < 0:  # first time here: count it against the flood limit in the person's slot
                code, wait, first_over = await self._count_alone(keys=[rate], args=args)
        verdict = Verdict(int(code))
        if verdict is not Verdict.FIRST_TIME:
            return Admission(verdict)
        return Admission(verdict, int(wait), bool(int(first_over)))

    async def handled(self, platform: str, event_id: str, chat_id: str) -> None:
        """The event was answered without being queued (a command, a refusal): a re-delivery is a duplicate."""
        await self._redis.set(self._keys.seen(platform, event_id, chat_id), HANDLED, ex=self.seen_ttl)

    async def release(self, platform: str, event_id: str, chat_id: str) -> None:
        """Our intake of the event failed: a re-delivery to any replica may take it in."""
        await self._release(keys=[self._keys.seen(platform, event_id, chat_id)], args=[self.claim])

    async def first_time(self, platform: str, event_id: str, chat_id: str) -> bool:
        """Dedupe alone, for events that skip the flood limit (fixed notes such as "text only")."""
        key = self._keys.seen(platform, event_id, chat_id)
        return bool(await self._redis.set(key, HANDLED, nx=True, ex=self.seen_ttl))

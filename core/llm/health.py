"""Target cooldowns shared by every replica through Redis.

Keys per target: `cooldown` (exists while resting, holds the failure class), `strikes`
(outages in a row; its presence after a cooldown means "on probation"), and `trial`
(the one replica allowed to send the trial request once the cooldown ends).

One outage is one strike: requests already in flight when a target started resting, and
fail meanwhile, add nothing; only the first failure of an outage and a failed trial do.
So the rest grows 30 -> 60 -> 120 s with failed trials, not with the traffic that hit the
outage. While the trial request is out, others are told to try again soon, not in minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from redis.asyncio import Redis

from core.llm.errors import ModelErrorKind
from core.llm.retry import RetryPolicy


class Health(Enum):
    HEALTHY = "healthy"
    TRIAL = "trial"  # this caller holds the one trial request after a cooldown
    COOLING = "cooling"


@dataclass(frozen=True)
class Verdict:
    state: Health
    remaining: float = 0.0  # seconds until the target may be tried again (COOLING)
    kind: ModelErrorKind = ModelErrorKind.UNAVAILABLE  # why it is cooling


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw or "")


# KEYS: cooldown, strikes, trial. ARGV: failure class, Retry-After ms (0: none), first rest ms,
# longest rest ms, "1" when the failing request was the trial, strikes ttl s.
# Returns how long the target rests from now, in ms (0: on probation, its trial decides).
_FAILED = """
local strikes = tonumber(redis.call('GET', KEYS[2]) or '0')
if strikes > 0 and ARGV[5] ~= '1' then
  return math.max(redis.call('PTTL', KEYS[1]), 0)
end
strikes = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[6])
local ms = tonumber(ARGV[3]) * math.pow(2, strikes - 1)
ms = math.min(tonumber(ARGV[4]), math.max(ms, tonumber(ARGV[2])))
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, math.floor(ms)))
redis.call('DEL', KEYS[3])
return math.floor(ms)
"""


class TargetHealth:
    def __init__(self, redis: Redis, prefix: str, policy: RetryPolicy, *, healthy_memo: float = 1.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self._policy = policy
        # A healthy answer is reused in-process this long: a busy gateway reads each target's
        # state about once a second instead of once per message; a cooldown started by another
        # replica is seen at most this late.
        self._healthy_memo = healthy_memo
        self._healthy_until: dict[str, float] = {}
        self._failed = redis.register_script(_FAILED)

    def _key(self, what: str, target: str) -> str:
        return f"{self._prefix}llm:{what}:{{{target}}}"  # tagged: a target's keys share a cluster slot

    async def check(self, target: str) -> Verdict:
        """One round trip for a healthy target; a trial is granted to one caller only."""
        if self._healthy_until.get(target, 0.0) > time.monotonic():
            return Verdict(Health.HEALTHY)
        cool, strikes = self._key("cooldown", target), self._key("strikes", target)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.pttl(cool)
            pipe.get(cool)
            pipe.exists(strikes)
            ttl_ms, kind, struck = await pipe.execute()
        if ttl_ms and ttl_ms > 0:
            return Verdict(Health.COOLING, ttl_ms / 1000, _kind(kind))
        if not struck:
            self._healthy_until[target] = time.monotonic() + self._healthy_memo
            return Verdict(Health.HEALTHY)
        trial = self._key("trial", target)
        lease_ms = int(self._policy.trial_lease * 1000)
        if await self._redis.set(trial, "1", nx=True, px=lease_ms):
            return Verdict(Health.TRIAL)
        # Another replica's trial request is out: it decides within a request's time.
        left = max(await self._redis.pttl(trial), 0) / 1000
        return Verdict(Health.COOLING, min(left, self._policy.trial_answer) or self._policy.trial_answer, _kind(kind))

    async def failed(self, target: str, kind: ModelErrorKind, retry_after: float | None, *,
                     trial: bool = False) -> float:
        """Book a failure: the first of an outage (or a failed trial) starts a longer rest, any
        other is part of the outage already counted. Returns the seconds until the target is
        tried again (its trial)."""
        self._healthy_until.pop(target, None)
        policy = self._policy
        keys = [self._key("cooldown", target), self._key("strikes", target), self._key("trial", target)]
        ms = await self._failed(keys=keys, args=[
            kind.value, int((retry_after or 0) * 1000), int(policy.cooldown * 1000), int(policy.max_cooldown * 1000),
            "1" if trial else "0", int(policy.max_cooldown * 4) + 60])
        return int(ms) / 1000 or policy.trial_answer

    async def recovered(self, target: str) -> None:
        await self._redis.delete(
            self._key("strikes", target), self._key("trial", target), self._key("cooldown", target)
        )


def _kind(raw: object) -> ModelErrorKind:
    try:
        return ModelErrorKind(_text(raw))
    except ValueError:
        return ModelErrorKind.UNAVAILABLE

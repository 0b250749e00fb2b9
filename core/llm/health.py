"""Target cooldowns shared by every replica through Redis.

Keys per target: `cooldown` (exists while resting, holds the failure class), `strikes`
(failures in a row; its presence after a cooldown means "on probation"), and `trial`
(the one replica allowed to send the trial request once the cooldown ends).
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

    def _key(self, what: str, target: str) -> str:
        return f"{self._prefix}llm:{what}:{target}"

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
        left = await self._redis.pttl(trial)
        return Verdict(Health.COOLING, max(left, 0) / 1000 or self._policy.cooldown, _kind(kind))

    async def failed(self, target: str, kind: ModelErrorKind, retry_after: float | None) -> float:
        """Start (or lengthen) the target's cooldown; returns its length in seconds."""
        self._healthy_until.pop(target, None)
        strikes_key = self._key("strikes", target)
        strikes = int(await self._redis.incr(strikes_key))
        seconds = self._policy.cooldown_for(strikes, retry_after)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.expire(strikes_key, int(self._policy.max_cooldown * 4) + 60)
            pipe.set(self._key("cooldown", target), kind.value, px=max(1, int(seconds * 1000)))
            pipe.delete(self._key("trial", target))
            await pipe.execute()
        return seconds

    async def recovered(self, target: str) -> None:
        await self._redis.delete(
            self._key("strikes", target), self._key("trial", target), self._key("cooldown", target)
        )


def _kind(raw: object) -> ModelErrorKind:
    try:
        return ModelErrorKind(_text(raw))
    except ValueError:
        return ModelErrorKind.UNAVAILABLE

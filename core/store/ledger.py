"""Tokens spent per user and per period (UTC day and month), and the gateway's totals.

Written only by the script that acknowledges an answered message (conversation_queue.py), in
the same atomic step as the exchange, so every replica counts each answer exactly once. Read
by the quota step before a message is queued, by the answer before it goes to the model, by
/usage, /quota and /stats.

    spent:{platform}:{user}:{period}   hash: tokens, messages, in:<model>, out:<model>, msgs:<model>
    stats:{period}                     the same fields, for everyone
    stats:{period}:users               hash: "platform:user" -> tokens
    quota:{platform}:{user}            hash: day, month (limits set by /quota)
    names                              hash: "platform:user" -> the platform's name for them
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from redis.asyncio import Redis

from core.hygiene import shorten
from core.store.keys import Keys
from core.store.pairing import who

Period = Literal["day", "month"]
KEEP_AFTER = 24 * 3600  # a period's counters outlive its end by a day (late readers, clock skew)
NAME_CHARS = 64


@dataclass(frozen=True)
class Periods:
    """The UTC day and month a moment falls in, and when each ends."""

    now: float
    day: str  # "d20250131"
    month: str  # "m202501"
    day_ends: float
    month_ends: float

    @classmethod
    def at(cls, now: float | None = None) -> Periods:
        now = time.time() if now is None else now
        t = dt.datetime.fromtimestamp(now, dt.UTC)
        day_start = dt.datetime(t.year, t.month, t.day, tzinfo=dt.UTC)
        last_day = calendar.monthrange(t.year, t.month)[1]
        month_end = dt.datetime(t.year, t.month, last_day, tzinfo=dt.UTC) + dt.timedelta(days=1)
        return cls(now, f"d{t:%Y%m%d}", f"m{t:%Y%m}", (day_start + dt.timedelta(days=1)).timestamp(),
                   month_end.timestamp())

    def ends(self, period: Period) -> float:
        return self.day_ends if period == "day" else self.month_ends

    def ttl(self, period: Period) -> int:
        """Seconds a period's counters are kept from now."""
        return int(self.ends(period) - self.now) + KEEP_AFTER


@dataclass(frozen=True)
class Spending:
    """One answered exchange's tokens, as the acknowledging script adds them up (keys and args)."""

    keys: tuple[str, ...]
    args: tuple[str | int, ...]


@dataclass(frozen=True)
class Tally:
    """One period's counts from a spent or stats hash."""

    tokens: int = 0
    messages: int = 0
    by_model: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)  # model -> (in, out, messages)

    @classmethod
    def parse(cls, raw: Mapping[Any, Any]) -> Tally:
        values = {_text(k): int(v) for k, v in raw.items()}
        models: dict[str, list[int]] = {}
        for name, value in values.items():
            kind, sep, model = name.partition(":")
            if sep and kind in ("in", "out", "msgs"):
                models.setdefault(model, [0, 0, 0])[("in", "out", "msgs").index(kind)] = value
        return cls(values.get("tokens", 0), values.get("messages", 0),
                   {m: (v[0], v[1], v[2]) for m, v in models.items()})


@dataclass(frozen=True)
class TokenLimits:
    """A user's token limits (0 = none); `own` says which come from /quota rather than settings."""

    day: int
    month: int
    own: frozenset[Period] = frozenset()

    def of(self, period: Period) -> int:
        return self.day if period == "day" else self.month


@dataclass(frozen=True)
class QuotaState:
    """What the quota check reads: tokens used this day and month, and the user's own limits."""

    day_used: int
    month_used: int
    own_day: int | None
    own_month: int | None


@dataclass(frozen=True)
class OverQuota:
    period: Period
    limit: int
    used: int
    resets_at: float


def spending(keys: Keys, platform: str, user_id: str, name: str, model: str, periods: Periods) -> Spending:
    """One exchange's keys and args for the queue's ack script (KEYS 7-13, ARGV 10-14 there)."""
    part = keys.stats_shard(platform, user_id)  # on a cluster, the totals' part in this person's slot
    ks = (keys.spent(platform, user_id, periods.day), keys.spent(platform, user_id, periods.month),
          keys.stats(periods.day, part), keys.stats(periods.month, part),
          keys.stats_users(periods.day, part), keys.stats_users(periods.month, part), keys.names(part))
    args = (model, who(platform, user_id), shorten(name, NAME_CHARS) if name else "",
            periods.ttl("day"), periods.ttl("month"))
    return Spending(ks, args)


class Ledger:
    def __init__(self, redis: Redis, keys: Keys, *, daily: int, monthly: int) -> None:
        self._redis = redis
        self._keys = keys
        self.daily = daily  # USER_DAILY_TOKENS
        self.monthly = monthly  # USER_MONTHLY_TOKENS

    def spending(self, platform: str, user_id: str, name: str, model: str, periods: Periods) -> Spending:
        return spending(self._keys, platform, user_id, name, model, periods)

    # -- the quota check ------------------------------------------------------------------

    def read_quota(self, pipe: Any, platform: str, user_id: str, periods: Periods) -> None:
        """Queue the quota reads on a pipeline (3 results; `quota_state` reads them back)."""
        pipe.hget(self._keys.spent(platform, user_id, periods.day), "tokens")
        pipe.hget(self._keys.spent(platform, user_id, periods.month), "tokens")
        pipe.hmget(self._keys.quota(platform, user_id), ["day", "month"])

    @staticmethod
    def quota_state(day: Any, month: Any, own: Any) -> QuotaState:
        own_day, own_month = own
        return QuotaState(int(day or 0), int(month or 0),
                          None if own_day is None else int(own_day), None if own_month is None else int(own_month))

    async def quota(self, platform: str, user_id: str, periods: Periods) -> QuotaState:
        async with self._redis.pipeline(transaction=False) as pipe:
            self.read_quota(pipe, platform, user_id, periods)
            day, month, own = await pipe.execute()
        return self.quota_state(day, month, own)

    def limits(self, state: QuotaState) -> TokenLimits:
        own: set[Period] = set()
        if state.own_day is not None:
            own.add("day")
        if state.own_month is not None:
            own.add("month")
        day = self.daily if state.own_day is None else state.own_day
        month = self.monthly if state.own_month is None else state.own_month
        return TokenLimits(day, month, frozenset(own))

    def over(self, state: QuotaState, periods: Periods) -> OverQuota | None:
        """The period whose limit is spent (the month first: it resets later), or None."""
        limits = self.limits(state)
        checks: tuple[tuple[Period, int], ...] = (("month", state.month_used), ("day", state.day_used))
        for period, used in checks:
            limit = limits.of(period)
            if limit and used >= limit:
                return OverQuota(period, limit, used, periods.ends(period))
        return None

    async def set_limit(self, platform: str, user_id: str, period: Period, tokens: int | None) -> None:
        """/quota: this user's own limit for a period (None: back to the settings')."""
        key = self._keys.quota(platform, user_id)
        if tokens is None:
            await self._redis.hdel(key, period)
        else:
            await self._redis.hset(key, period, str(tokens))

    # -- reading for /usage and /stats ----------------------------------------------------

    async def user(self, platform: str, user_id: str, periods: Periods) -> tuple[Tally, Tally, TokenLimits]:
        """This user's day and month, and their limits."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._keys.spent(platform, user_id, periods.day))
            pipe.hgetall(self._keys.spent(platform, user_id, periods.month))
            pipe.hmget(self._keys.quota(platform, user_id), ["day", "month"])
            day, month, own = await pipe.execute()
        state = self.quota_state(0, 0, own)
        return Tally.parse(day), Tally.parse(month), self.limits(state)

    async def totals(self, periods: Periods) -> tuple[Tally, Tally, dict[str, int], dict[str, int]]:
        """Everyone's day and month, and tokens per "platform:user" in each (the parts added up on a cluster)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for part in self._keys.stats_shards():
                pipe.hgetall(self._keys.stats(periods.day, part))
                pipe.hgetall(self._keys.stats(periods.month, part))
                pipe.hgetall(self._keys.stats_users(periods.day, part))
                pipe.hgetall(self._keys.stats_users(periods.month, part))
            found = await pipe.execute()
        sums: tuple[dict[str, int], ...] = ({}, {}, {}, {})
        day, month, day_users, month_users = sums
        for i, into in enumerate(sums):
            for raw in found[i::4]:
                for k, v in raw.items():
                    into[_text(k)] = into.get(_text(k), 0) + int(v)
        return Tally.parse(day), Tally.parse(month), day_users, month_users

    async def names(self, people: list[str]) -> dict[str, str]:
        """The platform's names for these "platform:user" ids (as last seen)."""
        if not people:
            return {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for person in people:
                pipe.hget(self._keys.names(self._keys.stats_shard(*person.split(":", 1))), person)
            raw = await pipe.execute()
        return {p: _text(n) for p, n in zip(people, raw, strict=True) if n}


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)

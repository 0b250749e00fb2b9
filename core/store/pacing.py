"""One update budget per chat, shared by every reply and every replica: a token bucket in Redis.

The bucket (a GCRA) refills one token per `interval`, up to `burst`; every platform call to
the chat takes one, waiting when there is none. While an answer streams, previews leave one
token in the bucket, so the final text goes out the moment the answer is complete, and the
platform's sustained rate is never exceeded. A 429 empties the bucket for everyone until
retry_after has passed.

State: one key per chat holding its TAT (theoretical arrival time, ms on Redis's clock), the
moment the bucket is full again. Taking a token moves it to max(TAT, now) + interval; that
call may go at TAT - burst * interval (at once if that has passed). One key per script: the
scripts are Redis-Cluster-safe whatever the chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS: pace (the chat's TAT). ARGV: interval ms, burst, and optionally a floor (ms).
# Takes a token. Returns {ms from now until the call may go (negative: tokens to spare), the TAT
# it left, Redis's now in ms}. The floor is "our last call really went at X": TAT is at least
# X + interval (a token taken early, with the context read, and used later).
TAKE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[3] or '0'), now) + interval
redis.call('SET', KEYS[1], tat, 'PX', tat - now + 1000)
return {tat - tonumber(ARGV[2]) * interval - now, tat, now}
"""

# KEYS: pace. ARGV: floor (ms). Only the correction above, when the reply takes no further token.
_SETTLE = """
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if tat >= floor then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if floor <= now then return 0 end
redis.call('SET', KEYS[1], floor, 'PX', floor - now + 1000)
return 1
"""

# KEYS: pace. ARGV: interval ms, burst, ms. The platform said retry_after: no call to this chat
# from anyone before now + ms, and the bucket is empty then (the first call after it takes the
# only token). Returns the ms until then.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
tat = math.max(tat, now + tonumber(ARGV[3]) + (tonumber(ARGV[2]) - 1) * interval)
redis.call('SET', KEYS[1], tat, 'PX', tat - now + 1000)
return tat - (tonumber(ARGV[2]) - 1) * interval - now
"""

# A token taken with the context read and used later than this share of the interval after the
# bucket counted it is reported with the next take (or by settle() at the end of the reply);
# within it, the platform may see the next update at most this share early.
LATE_SHARE = 0.1


@dataclass(frozen=True)
class Token:
    """A token taken from a chat's bucket, not yet used for a call."""

    wait: float  # seconds from `taken` until a call may use it (negative: the bucket had more)
    tat: int  # the bucket's TAT it left (Redis ms)
    redis_now: int  # Redis's clock when it was taken (ms)
    taken: float = 0.0  # time.monotonic() when it was taken

    @classmethod
    def from_script(cls, reply: list[int] | tuple[int, ...], taken: float | None = None) -> Token:
        wait_ms, tat, now = (int(x) for x in reply)
        return cls(wait_ms / 1000, tat, now, time.monotonic() if taken is None else taken)


class ChatPacer:
    """`wait_turn()` before every platform call to the chat; `pause()` on a 429."""

    def __init__(self, redis: Redis | None, key: str, interval: float, burst: int = 1, *,
                 first_slot: Token | None = None) -> None:
        self._redis = redis
        self._key = key
        self._interval = interval
        self._interval_ms = int(interval * 1000)
        self._burst = max(1, burst)
        self._early = first_slot  # taken with the context read, maybe long before it is used
        self._held: Token | None = None  # taken by acquire() for the next wait_turn()
        self._keep = 0  # tokens a call leaves in the bucket: 1 for previews while streaming
        self._floor = 0  # the early token went late: TAT is at least this (Redis ms), not yet told
        if redis is not None:
            self._take = redis.register_script(TAKE_SCRIPT)
            self._pause = redis.register_script(_PAUSE)
            self._settle = redis.register_script(_SETTLE)

    @property
    def unlimited(self) -> bool:
        return self._redis is None

    @property
    def streaming(self) -> bool:
        return self._keep > 0

    @streaming.setter
    def streaming(self, on: bool) -> None:
        """While on, calls (previews) leave one token for the final text; off: the answer is complete."""
        self._keep = min(1, self._burst - 1) if on else 0

    async def acquire(self, *until: asyncio.Future[Any]) -> None:
        """Take a token now and wait for its turn, or until one of `until` is done (the answer
        completed, a /stop): the token is kept for the next `wait_turn` either way."""
        if self.unlimited:
            return
        if self._held is None:
            self._held = await self._next_token()
        delay = self._delay(self._held)
        if delay > 0:
            if until:
                await asyncio.wait(until, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(delay)  # the budget is a time slot: waiting for it is the point

    async def wait_turn(self) -> None:
        """Wait until this chat may get its next platform call (and count it)."""
        if self.unlimited:
            return
        token, self._held = self._held, None
        if token is None:
            token = await self._next_token()
        delay = self._delay(token)
        if delay > 0:
            await asyncio.sleep(delay)  # the budget is a time slot: waiting for it is the point

    async def pause(self, seconds: float) -> None:
        """The platform said retry_after: no call to this chat from any replica before then."""
        if self._redis is None:
            await asyncio.sleep(seconds)
            return
        await self._pause(keys=[self._key], args=[self._interval_ms, self._burst, int(seconds * 1000)])

    def _delay(self, token: Token) -> float:
        """Seconds from now until `token` may be used (previews keep tokens back while streaming)."""
        return token.taken + token.wait + self._keep * self._interval - time.monotonic()

    async def settle(self) -> None:
        """At the end of a reply: tell the bucket about an early token used late, if no take did."""
        if self._floor and self._redis is not None:
            floor, self._floor = self._floor, 0
            try:
                await self._settle(keys=[self._key], args=[floor])
            except RedisError as exc:  # the answer is delivered: the budget is only a little optimistic
                log.warning("could not correct the update budget of %s: %s", self._key, exc)

    async def _next_token(self) -> Token:
        """The early token if there is one, else a new one (carrying a late early token's floor)."""
        token, self._early = self._early, None
        if token is None:
            args = [self._interval_ms, self._burst] + ([self._floor] if self._floor else [])
            self._floor = 0
            return Token.from_script(await self._take(keys=[self._key], args=args))
        # Used now: the bucket counted it at TAT - interval; the platform sees it now.
        used_at = token.redis_now + int((time.monotonic() - token.taken) * 1000)
        if self._interval_ms and used_at - (token.tat - self._interval_ms) > LATE_SHARE * self._interval_ms:
            self._floor = used_at + self._interval_ms
        return token


class UnlimitedPacer(ChatPacer):
    """For outlets with no budget (the terminal)."""

    def __init__(self) -> None:
        super().__init__(None, "", 0)

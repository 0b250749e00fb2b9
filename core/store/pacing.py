"""One update budget per chat, shared by every reply and every replica (state in Redis)."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

# KEYS: pace. ARGV: interval ms. Reserves the next free slot; returns {ms to wait, the slot after}.
RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
local after = at + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', after - now + 1000)
return {at - now, after}
"""

# KEYS: pace. ARGV: interval ms, the `after` our early reservation left. A slot reserved early
# (with the context read) and needed later: if nobody reserved since, take "now" instead, so
# the next update is an interval after this one; else queue behind whoever did.
_RECLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = now
if nxt ~= tonumber(ARGV[2]) then at = math.max(now, nxt) end
local after = at + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', after - now + 1000)
return at - now
"""

# KEYS: pace. ARGV: ms. Pushes the next free slot at least ms into the future (retry_after).
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = math.max(nxt, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], after, 'PX', after - now + 1000)
return after - now
"""


# A pre-reserved first slot used later than this share of the interval is re-taken at "now"
# (one round trip); within it, the next update may come at most this share early.
LATE_SHARE = 0.1


class ChatPacer:
    """`wait_turn()` before every platform call to the chat; `pause()` on a 429."""

    def __init__(self, redis: Redis | None, key: str, interval: float, *,
                 first_slot: tuple[float, int] | None = None) -> None:
        self._redis = redis
        # A slot already reserved with the context read: (seconds to wait then, the `after` it set).
        self._first_slot = first_slot
        self._key = key
        self._interval_ms = int(interval * 1000)
        self._created = time.monotonic()
        self._granted = False
        if redis is not None:
            self._reserve = redis.register_script(RESERVE_SCRIPT)
            self._pause = redis.register_script(_PAUSE)
            self._reclaim = redis.register_script(_RECLAIM)

    @property
    def unlimited(self) -> bool:
        return self._redis is None

    async def acquire(self) -> None:
        """Wait for a slot now and keep it for the next `wait_turn` (the caller decides what to send)."""
        await self._wait_for_slot()
        self._granted = True

    async def wait_turn(self) -> None:
        """Wait until this chat may get its next platform call."""
        if self._granted:
            self._granted = False
            return
        await self._wait_for_slot()

    async def _wait_for_slot(self) -> None:
        if self.unlimited:
            return
        if self._first_slot is not None:
            (first_wait, after), self._first_slot = self._first_slot, None
            late_ms = int((time.monotonic() - self._created - first_wait) * 1000)  # waiting for the model
            if late_ms <= LATE_SHARE * self._interval_ms:  # used about when reserved: no round trip
                if late_ms < 0:
                    await asyncio.sleep(-late_ms / 1000)
                return
            wait_ms = int(await self._reclaim(keys=[self._key], args=[self._interval_ms, after]))
        else:
            wait_ms = int((await self._reserve(keys=[self._key], args=[self._interval_ms]))[0])
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)  # the budget is a time slot: waiting for it is the point

    async def pause(self, seconds: float) -> None:
        """The platform said retry_after: no call to this chat from any replica before then."""
        if self._redis is None:
            await asyncio.sleep(seconds)
            return
        await self._pause(keys=[self._key], args=[int(seconds * 1000)])


class UnlimitedPacer(ChatPacer):
    """For outlets with no budget (the terminal)."""

    def __init__(self) -> None:
        super().__init__(None, "", 0)

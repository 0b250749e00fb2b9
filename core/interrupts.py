"""/stop and /reset, in one object: marks in Redis that every replica's streaming reply
watches, and an event per reply streaming in this process, so a local /stop acts at once.

The marks are two counters per conversation. A reply remembers them when it starts (read
with the rest of its context) and stops when the stop counter moves; the queue's ack script
stores the exchange only if the reset counter has not moved (a /reset forgets it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey


@dataclass(frozen=True)
class StopMarks:
    stops: int
    resets: int


@dataclass
class ReplyWatch:
    """What one streaming reply checks: `signal` (this process) and `requested()` (any replica)."""

    marks: StopMarks  # the counters when the reply began
    signal: asyncio.Event = field(default_factory=asyncio.Event)
    _interrupts: Interrupts | None = None
    _conv: str = ""

    async def requested(self) -> bool:
        """True once a /stop or /reset arrived anywhere since the reply began (one Redis read)."""
        assert self._interrupts is not None
        return (await self._interrupts.marks(self._conv)).stops != self.marks.stops

    def __enter__(self) -> ReplyWatch:
        return self

    def __exit__(self, *_: object) -> None:
        if self._interrupts is not None:
            self._interrupts.forget(self._conv, self)


class Interrupts:
    def __init__(self, redis: Redis, keys: Keys, *, ttl: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl
        self._streaming: dict[str, ReplyWatch] = {}  # replies streaming in this process

    def watch(self, conv: ConversationKey, marks: StopMarks) -> ReplyWatch:
        """Register a reply that starts now (use as a context manager)."""
        watch = ReplyWatch(marks, _interrupts=self, _conv=str(conv))
        self._streaming[str(conv)] = watch
        return watch

    def forget(self, conv: str, watch: ReplyWatch) -> None:
        if self._streaming.get(conv) is watch:
            del self._streaming[conv]

    async def marks(self, conv: ConversationKey | str) -> StopMarks:
        stops, resets = await self._redis.hmget(self._keys.stop(conv), ["stop", "reset"])
        return StopMarks(int(stops or 0), int(resets or 0))

    async def stop(self, conv: ConversationKey, *, reset: bool) -> None:
        """Stop the conversation's reply, wherever it streams; `reset` also forgets the exchange."""
        key = self._keys.stop(conv)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "stop", 1)
            if reset:
                pipe.hincrby(key, "reset", 1)
            pipe.expire(key, self._ttl)
            await pipe.execute()
        local = self._streaming.get(str(conv))
        if local is not None:
            local.signal.set()

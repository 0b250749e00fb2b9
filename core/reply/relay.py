"""Replies that travel back to the process that asked, whichever process writes them.

The terminal chat asks with `reply_route[ROUTE] = <its own id>`. The process answering (the
one holding the conversation, maybe another terminal's) writes the reply into a Redis list of
that id through a `RelayOutlet`; the asking terminal reads the list and prints. Once the
gateway is done with a message (answered, refused, a command run), `Relay.settled` adds a last
event, so the asker knows when to read its next line.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.store.keys import Keys
from core.types import Choice, Inbound, Limits

log = logging.getLogger(__name__)

ROUTE = "relay"  # the reply_route key that names the asker's list
Kind = Literal["append", "restart", "finish", "notice", "settled"]
READ_WAIT = 2  # seconds one blocking read waits (under redis-py's 5 s socket timeout)


@dataclass(frozen=True)
class RelayEvent:
    """One step of a reply: `append` more text, `restart` with the whole text (a failover or a
    new writer), `finish` (the last text), a `notice` line, or `settled` (nothing more comes)."""

    kind: Kind
    event_id: str  # the message it answers
    text: str = ""
    writer: str = ""  # which outlet wrote it: a takeover by another process is a new writer

    def to_json(self) -> str:
        return json.dumps({"k": self.kind, "e": self.event_id, "t": self.text, "w": self.writer},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: bytes | str) -> RelayEvent:
        data = json.loads(raw)
        return cls(data["k"], data["e"], data.get("t", ""), data.get("w", ""))


class Relay:
    """The lists replies travel in: one per asker, kept `ttl` seconds after its last event."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl: int = 600) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl

    async def push(self, route: str, event: RelayEvent) -> None:
        key = self._keys.relay(route)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.rpush(key, event.to_json())
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def settled(self, route: str, event_id: str) -> None:
        await self.push(route, RelayEvent("settled", event_id))

    async def settled_for(self, inbound: Inbound) -> None:
        """Tells an asker waiting on a relay (the terminal chat) that nothing more comes for this
        message; nothing for messages that came any other way."""
        route = inbound.reply_route.get(ROUTE)
        if route:
            try:
                await self.settled(route, inbound.event_id)
            except (RedisError, OSError) as exc:
                log.warning("could not tell %s that event %s is done: %s", route, inbound.event_id, exc)

    async def next_event(self, route: str) -> RelayEvent | None:
        """The next thing that arrived for `route`, waiting up to READ_WAIT seconds for it (else None).

        One read per call, so the caller can stop between reads: redis-py may swallow a cancel
        that lands in a blocking read.
        """
        got = await self._redis.blpop([self._keys.relay(route)], timeout=READ_WAIT)
        return None if got is None else RelayEvent.from_json(got[1])

    def outlet(self, route: str, event_id: str, limits: Limits) -> RelayOutlet:
        return RelayOutlet(self, route, event_id, limits)


class RelayOutlet:
    """An Outlet whose reply goes into the asker's list: only what is new since the last call."""

    def __init__(self, relay: Relay, route: str, event_id: str, limits: Limits) -> None:
        self.limits = limits
        self._relay = relay
        self._route = route
        self._event_id = event_id
        self._writer = uuid.uuid4().hex[:8]
        self._sent = ""

    async def _send(self, kind: Kind, text: str) -> None:
        await self._relay.push(self._route, RelayEvent(kind, self._event_id, text, self._writer))

    async def typing(self) -> None:
        return None

    async def show(self, text: str) -> None:
        if text.startswith(self._sent):
            if len(text) > len(self._sent):
                await self._send("append", text[len(self._sent):])
        else:  # a failover started the answer over
            await self._send("restart", text)
        self._sent = text

    async def finish(self, text: str) -> None:
        if text.startswith(self._sent):
            await self._send("finish", text[len(self._sent):])
        else:
            await self._send("restart", text)
            await self._send("finish", "")
        self._sent = text

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        await self._send("notice", text)

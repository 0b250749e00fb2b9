"""The fake Discord gateway: WebSocket sessions, one per shard, plain JSON text frames (no zlib).

discord.py asks for ``compress=zlib-stream`` in the URL, but decompresses only binary
frames: text frames are read as JSON as they are. A session's shard is the ``shard`` pair of
its IDENTIFY (``[0, 1]`` when absent); a guild's events go to shard ``(guild_id >> 22) %
count`` and DMs to shard 0, as on Discord. Events dispatched while a shard has no session
wait and are delivered on its IDENTIFY or RESUME, as Discord replays what a resuming client
missed. A second IDENTIFY for a shard that has a live session invalidates the first (op 9),
and is counted in ``overlaps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.fakes.discord_models import JSON

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11
MESSAGE_CONTENT_INTENT = 1 << 15
AUTHENTICATION_FAILED, DISALLOWED_INTENTS = 4004, 4014
DROPPED = 4000  # "unknown error": a code clients reconnect and resume after


@dataclass
class Event:
    seq: int
    type: str
    data: JSON

    def frame(self) -> str:
        return json.dumps({"op": DISPATCH, "t": self.type, "s": self.seq, "d": self.data})


class _Connection:
    """One socket with an ordered outbox, so frames queued from sync code keep their order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.live = False  # identified or resumed: dispatches may flow
        self.shard = 0
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def send(self, frame: JSON | str) -> None:
        self._outbox.put_nowait(frame if isinstance(frame, str) else json.dumps(frame))

    async def _write(self) -> None:
        while True:
            frame = await self._outbox.get()
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await self.ws.send_str(frame)
            self._outbox.task_done()

    async def close(self, code: int, reason: str) -> None:
        self.live = False
        await self._outbox.join()  # what was queued before the close still goes out
        self._writer.cancel()
        await self.ws.close(code=code, message=reason.encode())

    def gone(self) -> None:
        """The client went away: nothing more to write."""
        self.live = False
        self._writer.cancel()


@dataclass
class _Shard:
    """One shard's session: its event log (for RESUME), and the socket holding it."""

    session_id: str | None = None
    seq: int = 0
    log: list[Event] = field(default_factory=list)
    pending: list[tuple[str, JSON]] = field(default_factory=list)  # dispatched before any session existed
    conn: _Connection | None = None
    replay: set[str] = field(default_factory=set)


class FakeGateway:
    def __init__(self, *, token: str, heartbeat_ms: int, allow_message_content: bool,
                 hello: Callable[[str], tuple[JSON, JSON]], on_change: Callable[[], None]) -> None:
        self.token = token
        self.heartbeat_ms = heartbeat_ms
        self.allow_message_content = allow_message_content
        self.identifies: list[JSON] = []  # IDENTIFY payloads (d), oldest first
        self.resumes: list[JSON] = []  # RESUME payloads (d)
        self.queries: list[dict[str, str]] = []  # the URL query of every connection
        self.heartbeats = 0
        self.delivered: list[tuple[str, str]] = []  # (event type, d.id) of every dispatch sent, replays too
        self.closed_with: list[int] = []  # close codes the fake sent
        self.overlaps: list[int] = []  # shards that got a second session while one was live
        self.sessions: list[tuple[int, float]] = []  # (shard, monotonic time) of every session identified
        self.shard_count = 1
        self._hello = hello  # session id -> (READY data, GUILD_CREATE data)
        self._on_change = on_change
        self._shards: dict[int, _Shard] = {}

    @property
    def connected(self) -> bool:
        return any(s.conn is not None and s.conn.live for s in self._shards.values())

    def live_shards(self) -> list[int]:
        """Shards with a session taking events now."""
        return sorted(i for i, s in self._shards.items() if s.conn is not None and s.conn.live)

    @property
    def intents(self) -> int:
        return int(self.identifies[-1]["intents"]) if self.identifies else 0

    def shard_of(self, data: JSON) -> int:
        guild = data.get("guild_id")
        return (int(guild) >> 22) % self.shard_count if guild else 0

    def _shard(self, shard_id: int) -> _Shard:
        return self._shards.setdefault(shard_id, _Shard())

    def dispatch(self, event_type: str, data: JSON) -> None:
        """Sends an event to its shard now, or logs it for that shard's next IDENTIFY / RESUME."""
        shard = self._shard(self.shard_of(data))
        if shard.session_id is None:
            shard.pending.append((event_type, data))
            return
        self._dispatch_to(shard, event_type, data)

    def _send(self, conn: _Connection, event: Event) -> None:
        self.delivered.append((event.type, str(event.data.get("id", ""))))
        conn.send(event.frame())

    async def drop(self, *, replay: Iterable[str] = ()) -> None:
        """Closes every socket like a network fault; on RESUME the events whose ``d.id`` is in
        ``replay`` are delivered again, as Discord does when it is unsure the client had them."""
        for shard in self._shards.values():
            shard.replay = set(replay)
            if shard.conn is not None:
                self.closed_with.append(DROPPED)
                await shard.conn.close(DROPPED, "fake: connection dropped")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.queries.append(dict(request.query))
        conn = _Connection(ws)
        conn.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_ms}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
        finally:
            conn.gone()
            shard = self._shards.get(conn.shard)
            if shard is not None and shard.conn is conn:
                shard.conn = None
            self._on_change()
        return ws

    async def _on_frame(self, conn: _Connection, frame: JSON) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            conn.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        self._on_change()

    async def _identify(self, conn: _Connection, data: JSON) -> None:
        if data.get("token") != self.token:
            self.closed_with.append(AUTHENTICATION_FAILED)
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        self.identifies.append(data)
        if int(data.get("intents", 0)) & MESSAGE_CONTENT_INTENT and not self.allow_message_content:
            self.closed_with.append(DISALLOWED_INTENTS)
            await conn.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard_id, self.shard_count = (int(n) for n in (data.get("shard") or [0, 1]))
        shard = self._shard(shard_id)
        if shard.conn is not None and shard.conn.live and shard.conn is not conn:
            self.overlaps.append(shard_id)  # a second session for one shard: the first one ends
            old = shard.conn
            old.send({"op": INVALID_SESSION, "d": False})
            old.live = False
        conn.shard = shard_id
        shard.conn = conn
        self.sessions.append((shard_id, time.monotonic()))
        shard.session_id = uuid.uuid4().hex
        shard.seq, shard.log = 0, []
        ready, guild = self._hello(shard.session_id)
        mine = self.shard_of({"guild_id": guild["id"]}) == shard_id
        ready = {**ready, "guilds": ready["guilds"] if mine else [], "shard": [shard_id, self.shard_count]}
        conn.live = True
        self._dispatch_to(shard, "READY", ready)
        if mine:
            self._dispatch_to(shard, "GUILD_CREATE", guild)
        pending, shard.pending = shard.pending, []
        for event_type, event_data in pending:
            self._dispatch_to(shard, event_type, event_data)

    def _dispatch_to(self, shard: _Shard, event_type: str, data: JSON) -> None:
        shard.seq += 1
        event = Event(shard.seq, event_type, data)
        shard.log.append(event)
        if shard.conn is not None and shard.conn.live:
            self._send(shard.conn, event)

    async def _resume(self, conn: _Connection, data: JSON) -> None:
        self.resumes.append(data)
        shard_id, shard = next(((i, s) for i, s in self._shards.items() if s.session_id == data.get("session_id")),
                               (0, None))
        if shard is None or data.get("token") != self.token:
            conn.send({"op": INVALID_SESSION, "d": False})
            return
        seen = int(data.get("seq") or 0)
        conn.shard = shard_id
        shard.conn = conn
        for event in shard.log:
            if event.seq > seen or str(event.data.get("id")) in shard.replay:
                self._send(conn, event)
        shard.replay = set()
        conn.live = True
        self._dispatch_to(shard, "RESUMED", {})

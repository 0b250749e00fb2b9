"""The fake Discord gateway: one WebSocket session, plain JSON text frames (no zlib).

discord.py asks for ``compress=zlib-stream`` in the URL, but decompresses only binary
frames: text frames are read as JSON as they are. Events dispatched while no session is
connected wait in the session's log and are delivered on IDENTIFY or RESUME, as Discord
replays what a resuming client missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
        self.session_id: str | None = None
        self._hello = hello  # session id -> (READY data, GUILD_CREATE data)
        self._on_change = on_change
        self._log: list[Event] = []
        self._seq = 0
        self._pending: list[tuple[str, JSON]] = []  # dispatched before any session existed
        self._conn: _Connection | None = None
        self._replay: set[str] = set()

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.live

    @property
    def intents(self) -> int:
        return int(self.identifies[-1]["intents"]) if self.identifies else 0

    def dispatch(self, event_type: str, data: JSON) -> None:
        """Sends an event now, or logs it for the next IDENTIFY / RESUME."""
        if self.session_id is None:
            self._pending.append((event_type, data))
            return
        self._seq += 1
        event = Event(self._seq, event_type, data)
        self._log.append(event)
        if self._conn is not None and self._conn.live:
            self._send(self._conn, event)

    def _send(self, conn: _Connection, event: Event) -> None:
        self.delivered.append((event.type, str(event.data.get("id", ""))))
        conn.send(event.frame())

    async def drop(self, *, replay: Iterable[str] = ()) -> None:
        """Closes the socket like a network fault; on RESUME the events whose ``d.id`` is in
        ``replay`` are delivered again, as Discord does when it is unsure the client had them."""
        self._replay = set(replay)
        if self._conn is not None:
            self.closed_with.append(DROPPED)
            await self._conn.close(DROPPED, "fake: connection dropped")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.queries.append(dict(request.query))
        conn = _Connection(ws)
        self._conn = conn
        conn.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_ms}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
        finally:
            conn.live = False
            if self._conn is conn:
                self._conn = None
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
        self.session_id = uuid.uuid4().hex
        self._seq, self._log = 0, []
        ready, guild = self._hello(self.session_id)
        conn.live = True
        self.dispatch("READY", ready)
        self.dispatch("GUILD_CREATE", guild)
        pending, self._pending = self._pending, []
        for event_type, event_data in pending:
            self.dispatch(event_type, event_data)

    async def _resume(self, conn: _Connection, data: JSON) -> None:
        self.resumes.append(data)
        if data.get("session_id") != self.session_id or data.get("token") != self.token:
            conn.send({"op": INVALID_SESSION, "d": False})
            return
        seen = int(data.get("seq") or 0)
        for event in self._log:
            if event.seq > seen or str(event.data.get("id")) in self._replay:
                self._send(conn, event)
        self._replay = set()
        conn.live = True
        self.dispatch("RESUMED", {})

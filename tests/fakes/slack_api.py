"""A local fake Slack: the Web API methods the adapter uses, the Socket Mode WebSocket,
and response_url endpoints, all over real sockets on 127.0.0.1.

Tests drive it with Events API / slash command / button payloads, read back every call
and what each message shows, inject 429s and errors, re-deliver envelopes, drop the
WebSocket, and await state with ``wait_for`` instead of sleeping. Files shared in events are
served at url_private to the bot token only (anyone else is sent to a sign-in page).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from tests.fakes.base import Canned, FakeServer
from tests.fakes.flood import FloodModel, FloodRule
from tests.fakes.slack_events import SlackEvents
from tests.fakes.slack_models import (
    JSON,
    MARKDOWN_MAX,
    PROMPTS_MAX,
    TEXT_MAX,
    Call,
    Envelope,
    Message,
    blocks_error,
    markdown_of,
)

Handler = Callable[[JSON], Awaitable[JSON]]
_JSON_FIELDS = frozenset({"blocks", "chunks", "metadata", "attachments", "prompts"})
# What Slack's per-channel posting limit counts.
_FLOODED = frozenset({"chat.postMessage", "chat.update", "chat.startStream", "chat.appendStream", "chat.stopStream"})


class SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack(SlackEvents, FakeServer[Call, Canned]):
    """``async with FakeSlack() as fake:``; point slack_sdk at ``fake.api_url``."""

    def __init__(self, *, bot_token: str = "xoxb-test-switchboard", app_token: str = "xapp-1-test-switchboard",
                 signing_secret: str = "test-signing-secret", team_id: str = "T0TEST",
                 bot_user_id: str = "U0BOT", bot_id: str = "B0BOT", app_id: str = "A0TEST") -> None:
        SlackEvents.__init__(self, team_id=team_id, bot_user_id=bot_user_id, app_id=app_id)
        FakeServer.__init__(self)
        self.bot_token, self.app_token, self.signing_secret = bot_token, app_token, signing_secret
        self.bot_id = bot_id
        self.messages: dict[tuple[str, str], Message] = {}
        self.responses: list[tuple[str, JSON]] = []  # (response_url id, body) posted back
        self.acks: dict[str, list[JSON]] = {}  # envelope_id -> ack frames
        self.flood: FloodModel | None = None  # Slack's per-channel posting limit, when on
        self.violations: list[Call] = []  # calls the flood model refused
        self.streaming = True  # False: the chat.*Stream methods answer `streaming_error`
        self.streaming_error = "unknown_method"
        self.markdown_blocks = True  # False: a markdown block is invalid_blocks
        self.outside: set[str] = set()  # channels the bot is not a member of: posting there is refused
        self.suggested_prompts: dict[tuple[str, str], list[JSON]] = {}  # (channel, thread) -> prompts
        self.titles: dict[tuple[str, str], str] = {}  # (channel, thread) -> an assistant thread's title
        self.connections = 0  # WebSocket connections ever opened
        self.sockets: list[web.WebSocketResponse] = []
        self.files: dict[str, bytes] = {}  # url_private path -> bytes
        self.files_scope = True  # False: the app lacks files:read, so even the bot token gets the sign-in page
        self.file_downloads: list[tuple[str, str]] = []  # (path, Authorization header) of each request
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test, "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post, "chat.update": self._update,
            "chat.startStream": self._start_stream, "chat.appendStream": self._append_stream,
            "chat.stopStream": self._stop_stream, "assistant.threads.setStatus": self._ok,
            "chat.postEphemeral": self._ok, "assistant.threads.setSuggestedPrompts": self._set_prompts,
            "assistant.threads.setTitle": self._set_title,
        }

    # -- lifecycle -------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/link/", self._socket)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/files-pri/{tail:.*}", self._file)
        app.router.add_get("/signin", self._signin)

    async def stop(self) -> None:
        await self.drop_connections()
        await super().stop()

    @property
    def api_url(self) -> str:
        return f"{self.root_url}/api/"

    def response_url(self, rid: str) -> str:
        return f"{self.root_url}/response/{rid}"

    # -- reading state ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and not c.error]

    def in_thread(self, channel: str, thread_ts: str | None) -> list[Message]:
        """Messages the bot posted there, oldest first (thread_ts None: top level)."""
        found = [m for m in self.messages.values() if m.channel == channel and m.thread_ts == thread_ts]
        return sorted(found, key=lambda m: float(m.ts))

    def texts(self, channel: str, thread_ts: str | None) -> list[str]:
        return [m.visible for m in self.in_thread(channel, thread_ts)]

    # -- driving ---------------------------------------------------------------------------

    def file_object(self, name: str, mimetype: str, data: bytes, *, subtype: str | None = None,
                    size: int | None = None) -> JSON:
        """A hosted file as events list it; its bytes are served at url_private to the bot token only."""
        file_id = f"F0{next(self._file_ids):07d}"
        home = f"/files-pri/{self.team_id}-{file_id}"
        path, download = f"{home}/{name}", f"{home}/download/{name}"
        self.files[path] = self.files[download] = data
        found: JSON = {"id": file_id, "name": name, "title": name, "mimetype": mimetype,
                       "filetype": name.rsplit(".", 1)[-1], "size": len(data) if size is None else size,
                       "mode": "hosted", "is_external": False, "url_private": self.root_url + path,
                       "url_private_download": self.root_url + download}
        return found | ({"subtype": subtype} if subtype else {})

    def fail_next(self, method: str, error: str = "ratelimited", *, status: int | None = None,
                  retry_after: int | None = 1, times: int = 1) -> None:
        """The next `times` calls to `method` fail (a ratelimited one with 429 + Retry-After)."""
        code = status if status is not None else (429 if error == "ratelimited" else 200)
        headers = {"Retry-After": str(retry_after)} if code == 429 and retry_after is not None else {}
        self.inject(method, Canned(code, {"ok": False, "error": error}, headers), times=times)

    def flood_limit(self, rule: FloodRule | None) -> None:
        """Posts, updates and stream calls beyond `rule` per channel get 429 ratelimited + Retry-After."""
        self.flood = None if rule is None else FloodModel(rule)

    async def deliver(self, envelope: Envelope) -> str:
        """Sends an envelope over the newest live WebSocket (waiting for one)."""
        await self.wait_for(lambda: self.sockets, what="a Socket Mode connection")
        self.envelopes[envelope.envelope_id] = envelope
        await self.sockets[-1].send_str(json.dumps(envelope.frame()))
        return envelope.envelope_id

    async def redeliver(self, envelope_id: str, reason: str = "timeout") -> str:
        """Slack's retry of an envelope: same payload, retry_attempt + 1."""
        old = self.envelopes[envelope_id]
        again = Envelope(old.envelope_id, old.type, old.payload, old.retry_attempt + 1, reason,
                         old.accepts_response_payload)
        return await self.deliver(again)

    async def drop_connections(self) -> None:
        """Closes every WebSocket, as Slack does when it refreshes a connection."""
        for ws in list(self.sockets):
            await ws.close()

    def stop_streaming(self, message: Message) -> None:
        """The person presses Slack's Stop on a streaming message: the stream takes nothing more."""
        message.streaming, message.stopped_by_user = False, True
        self.bump()

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        await self.sockets[-1].send_str(json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-applink"}}))

    # -- HTTP ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(
            params.pop("token", ""))
        call = Call(method, params, token, asyncio.get_running_loop().time())
        headers: dict[str, str] = {}
        status = 200
        try:
            fault = self.take_fault(method)
            if fault is not None:
                status, headers = fault.status, dict(fault.headers)
                raise SlackError(fault.body["error"])
            wait = self._flood_wait(method, params, call.at)
            if wait > 0:
                status, headers["Retry-After"] = 429, str(math.ceil(wait))
                self.violations.append(call)
                raise SlackError("ratelimited")
            self._check_token(method, token)
            handler = self._methods.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            body: JSON = {"ok": True} | await handler(params)
        except SlackError as exc:
            call.error = exc.error
            body = {"ok": False, "error": exc.error}
        self.record(call)
        return web.json_response(body, status=status, headers=headers)

    def _flood_wait(self, method: str, params: JSON, now: float) -> float:
        if self.flood is None or method not in _FLOODED or not params.get("channel"):
            return 0.0
        return self.flood.check(str(params["channel"]), now)

    def _check_token(self, method: str, token: str) -> None:
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            raise SlackError("not_authed")
        if token != wanted:
            raise SlackError("not_allowed_token_type" if token in (self.app_token, self.bot_token) else "invalid_auth")

    async def _file(self, request: web.Request) -> web.Response:
        """url_private: the bytes for `Authorization: Bearer <bot token>`; anyone else is sent to
        the sign-in page, as Slack does."""
        auth = request.headers.get("Authorization", "")
        self.file_downloads.append((request.path, auth))
        self.bump()
        if auth != f"Bearer {self.bot_token}" or not self.files_scope:
            raise web.HTTPFound(f"{self.root_url}/signin?redir={request.path}")
        data = self.files.get(request.path)
        if data is None:
            return web.Response(status=404, text="file not found")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _signin(self, request: web.Request) -> web.Response:
        return web.Response(text="<!DOCTYPE html><html><body>Sign in to Slack</body></html>", content_type="text/html")

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append((request.match_info["rid"], await request.json()))
        self.bump()
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        self.sockets.append(ws)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": len(self.sockets),
            "debug_info": {"host": "fake-applink", "build_number": 1, "approximate_connection_time": 3600},
            "connection_info": {"app_id": self.app_id}}))
        self.bump()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    with contextlib.suppress(ValueError):
                        ack = json.loads(frame.data)
                        if isinstance(ack, dict) and "envelope_id" in ack:
                            self.acks.setdefault(str(ack["envelope_id"]), []).append(ack)
                            self.bump()
        finally:
            self.sockets.remove(ws)
            self.bump()
        return ws

    # -- Web API methods -------------------------------------------------------------------

    async def _ok(self, params: JSON) -> JSON:
        return {}

    async def _auth_test(self, params: JSON) -> JSON:
        return {"url": "https://switchboard-test.slack.com/", "team": "Switchboard Test", "user": "switchboard",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    async def _connections_open(self, params: JSON) -> JSON:
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._ts)}&app_id={self.app_id}"}

    def _new_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _message(self, params: JSON) -> Message:
        message = self.messages.get((str(params.get("channel", "")), str(params.get("ts", ""))))
        if message is None:
            raise SlackError("message_not_found")
        return message

    def _render(self, message: Message, params: JSON) -> None:
        """text/blocks of a post or update: what the message shows from now on."""
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks:
            raise SlackError("no_text")
        if text is not None and len(str(text)) > TEXT_MAX:
            raise SlackError("msg_too_long")
        if blocks is not None and (error := blocks_error(blocks, markdown_ok=self.markdown_blocks)):
            raise SlackError(error)
        message.text, message.blocks = str(text or ""), list(blocks or [])
        message.markdown = markdown_of(message.blocks)
        message.remember()

    async def _post(self, params: JSON) -> JSON:
        channel = str(params.get("channel", ""))
        if not channel:
            raise SlackError("channel_not_found")
        if channel in self.outside:
            raise SlackError("not_in_channel")
        message = Message(channel, self._new_ts(), str(params["thread_ts"]) if params.get("thread_ts") else None)
        self._render(message, params)
        self.messages[(channel, message.ts)] = message
        return {"channel": channel, "ts": message.ts, "message": {"text": message.text, "ts": message.ts}}

    async def _update(self, params: JSON) -> JSON:
        message = self._message(params)
        self._render(message, params)
        message.updates += 1
        return {"channel": message.channel, "ts": message.ts, "text": message.text}

    def _streams(self) -> None:
        if not self.streaming:
            raise SlackError(self.streaming_error)

    async def _start_stream(self, params: JSON) -> JSON:
        self._streams()
        channel, thread = str(params.get("channel", "")), str(params.get("thread_ts") or "")
        if not thread:
            raise SlackError("invalid_thread_ts")
        if not channel.startswith("D"):  # outside DMs Slack needs to know whose request it is
            if not params.get("recipient_team_id"):
                raise SlackError("missing_recipient_team_id")
            if not params.get("recipient_user_id"):
                raise SlackError("missing_recipient_user_id")
        text = str(params.get("markdown_text") or "")
        if len(text) > MARKDOWN_MAX:
            raise SlackError("msg_too_long")
        message = Message(channel, self._new_ts(), thread, streaming=True, streamed=True, markdown=text)
        message.remember()
        self.messages[(channel, message.ts)] = message
        return {"channel": channel, "ts": message.ts}

    async def _append_stream(self, params: JSON) -> JSON:
        self._streams()
        message = self._message(params)
        text = str(params.get("markdown_text") or "")
        if message.stopped_by_user:
            raise SlackError("stopped_by_user")
        if not message.streaming:
            raise SlackError("message_not_in_streaming_state")
        if not text or len(text) > MARKDOWN_MAX:
            raise SlackError("invalid_arguments" if not text else "msg_too_long")
        message.markdown += text
        message.appends.append(text)
        message.remember()
        return {"channel": message.channel, "ts": message.ts}

    async def _stop_stream(self, params: JSON) -> JSON:
        self._streams()
        message = self._message(params)
        if message.stopped_by_user:
            raise SlackError("stopped_by_user")
        if not message.streaming:
            raise SlackError("message_not_in_streaming_state")
        blocks = params.get("blocks")  # rendered under the finished message
        if blocks is not None and (error := blocks_error(blocks, markdown_ok=self.markdown_blocks)):
            raise SlackError(error)
        message.streaming = False
        message.markdown += str(params.get("markdown_text") or "")
        message.blocks = list(blocks or [])
        message.remember()
        return {"channel": message.channel, "ts": message.ts}

    def _assistant_thread(self, params: JSON) -> tuple[str, str]:
        channel, thread = str(params.get("channel_id") or ""), str(params.get("thread_ts") or "")
        if not channel:
            raise SlackError("channel_not_found")
        if not thread:
            raise SlackError("invalid_thread_ts")
        return channel, thread

    async def _set_prompts(self, params: JSON) -> JSON:
        where = self._assistant_thread(params)
        prompts = params.get("prompts")
        if not isinstance(prompts, list) or not 0 < len(prompts) <= PROMPTS_MAX or not all(
                isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
            raise SlackError("invalid_arguments")
        self.suggested_prompts[where] = prompts
        return {}

    async def _set_title(self, params: JSON) -> JSON:
        where = self._assistant_thread(params)
        if not params.get("title"):
            raise SlackError("invalid_arguments")
        self.titles[where] = str(params["title"])
        return {}


async def _params(request: web.Request) -> JSON:
    """Query, form and JSON bodies alike; JSON-valued form fields decoded."""
    raw: JSON = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        raw.update(body if isinstance(body, dict) else {})
    elif request.body_exists:
        raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in _JSON_FIELDS & raw.keys():
        if isinstance(raw[key], str):
            with contextlib.suppress(ValueError):
                raw[key] = json.loads(raw[key])
    return raw


__all__ = ["FakeSlack", "SlackError"]

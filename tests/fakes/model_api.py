"""A local model endpoint speaking chat, responses and anthropic over a real socket.

Written on raw asyncio streams rather than a web framework, so that a test controls every
byte: scripted statuses and bodies, SSE comments, mid-stream error events, a stream that
hangs until the client hangs up (observed as a disconnect), or a connection dropped cold.
The call log, ``wait_for`` and the ``async with`` lifecycle come from ``FakeServer``; only
the listener is its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.fakes.base import FakeServer

Then = Literal["end", "hang", "drop", "error", "truncate"]
STREAM = "stream"  # what scripted steps wait for: any mode's stream request
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 529: "Overloaded"}
OVERLOADED: dict[str, dict[str, Any]] = {
    "chat": {"error": {"message": "Overloaded", "type": "server_error", "code": 529}},
    "responses": {"type": "error", "code": "server_error", "message": "The server is overloaded"},
    "anthropic": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
}


@dataclass
class Step:
    """What the next stream request gets (consumed in order; unscripted requests succeed)."""

    status: int = 200
    json: Any = None  # a JSON answer instead of a stream (errors, or stream=true ignored)
    headers: dict[str, str] = field(default_factory=dict)
    events: list[bytes] | None = None  # raw SSE bytes instead of the mode's normal stream
    reply: str | None = None
    after_text: int = 0  # how many text deltas go out before `then` applies
    then: Then = "end"
    error: dict[str, Any] | None = None  # the in-stream error for then="error"
    hold: asyncio.Event | None = None  # wait for this before answering at all


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeModelAPI(FakeServer[Recorded, Step]):
    """Each request is recorded in ``calls`` as it arrives; stream requests follow ``script``."""

    def __init__(
        self,
        *,
        modes: tuple[str, ...] = ("chat", "responses", "anthropic"),
        prefix: str = "/v1",
        models: list[dict[str, Any]] | None = None,
        api_key: str = "",
        reply: str = "Hello there, friend.",
        routes: dict[str, Any] | None = None,
        page_size: int = 0,
        no_db: bool = False,
    ) -> None:
        super().__init__()
        self.modes = modes
        self.prefix = prefix
        self.models = models if models is not None else [{"id": "big-model", "context_length": 128000}]
        self.api_key = api_key
        self.reply = reply
        self.routes = routes or {}  # "GET /props" -> payload, or a callable(body) -> payload
        self.page_size = page_size  # >0: the anthropic model list is paginated
        # A LiteLLM proxy with a master key and no database: a wrong key gets 400 "No connected
        # db.", a missing one a 500.
        self.no_db = no_db
        self.disconnects = 0  # streams the client hung up on
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- test-facing ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.root_url + self.prefix

    def script(self, *steps: Step) -> FakeModelAPI:
        """The next stream requests get these steps, one each, in order."""
        for step in steps:
            self.inject(STREAM, step)
        return self

    def streams(self) -> list[Recorded]:
        return [r for r in self.calls if r.method == "POST" and r.path.endswith(self._stream_paths())]

    def images(self) -> list[list[tuple[str, str]]]:
        """Each stream request's images as (media type, base64), read from the mode's own
        shape: chat `image_url` data URLs, Responses `input_image`, Anthropic base64 `image` blocks."""
        return [_images(r.body) for r in self.streams()]

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _unlisten(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None

    # -- HTTP/1.1 ------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line.strip():
            return False
        method, target, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        data = await reader.readexactly(int(headers.get("content-length", "0")))
        body = json.loads(data) if data else None
        url = urlsplit(target)
        self.record(Recorded(method, url.path, headers, body))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        return await self._route(method, url.path, query, headers, body, reader, writer)

    @staticmethod
    async def _send_json(writer: asyncio.StreamWriter, status: int, payload: Any,
                         headers: dict[str, str] | None = None) -> bool:
        data = json.dumps(payload).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(data)}\r\n{extra}\r\n")
        writer.write(head.encode() + data)
        await writer.drain()
        return True

    # -- routing -------------------------------------------------------------------------
    def _anthropic_root(self) -> str:
        return self.prefix.removesuffix("/v1")

    def _stream_paths(self) -> tuple[str, ...]:
        paths = {"chat": f"{self.prefix}/chat/completions", "responses": f"{self.prefix}/responses",
                 "anthropic": f"{self._anthropic_root()}/v1/messages"}
        return tuple(paths[m] for m in self.modes)

    async def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        route = self.routes.get(f"{method} {path}")
        if route is not None:
            payload = route(body) if callable(route) else route
            status, payload = payload if isinstance(payload, tuple) else (200, payload)
            return await self._send_json(writer, status, payload)
        models_path = f"{self.prefix}/models" if "anthropic" not in self.modes or len(self.modes) > 1 \
            else f"{self._anthropic_root()}/v1/models"
        if method == "GET" and path == models_path:
            return await self._list(query, headers, writer)
        for mode, stream_path in zip(self.modes, self._stream_paths(), strict=True):
            if path == stream_path:
                if method != "POST":
                    return await self._send_json(writer, 405, {"detail": "Method Not Allowed"})
                return await self._stream(mode, headers, body, reader, writer)
        return await self._send_json(writer, 404, {"detail": "Not Found"})

    def _authorised(self, mode: str, headers: dict[str, str]) -> bool:
        if not self.api_key:
            return True
        if mode == "anthropic":
            return headers.get("x-api-key") == self.api_key
        return headers.get("authorization") == f"Bearer {self.api_key}"

    async def _refuse(self, mode: str, headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        if not self.no_db:
            return await self._send_json(writer, 401, _auth_error(mode))
        if not headers.get("authorization") and not headers.get("x-api-key"):
            return await self._send_json(writer, 500, {"error": {
                "message": "Authentication Error, No api key passed in.", "type": "auth_error", "param": "None",
                "code": "500"}})
        return await self._send_json(writer, 400, {"error": {
            "message": "No connected db.", "type": "no_db_connection", "param": None, "code": "400"}})

    async def _list(self, query: dict[str, str], headers: dict[str, str], writer: asyncio.StreamWriter) -> bool:
        anthropic_only = self.modes == ("anthropic",)
        if not self._authorised("anthropic" if anthropic_only else "chat", headers):
            return await self._refuse("anthropic" if anthropic_only else "chat", headers, writer)
        if not anthropic_only:
            return await self._send_json(writer, 200, {"object": "list", "data": self.models})
        start = 0
        if "after_id" in query:
            start = next(i for i, m in enumerate(self.models) if m["id"] == query["after_id"]) + 1
        size = self.page_size or len(self.models)
        page = self.models[start:start + size]
        return await self._send_json(writer, 200, {
            "data": page, "has_more": start + size < len(self.models),
            "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None})

    # -- streaming -----------------------------------------------------------------------
    async def _stream(self, mode: str, headers: dict[str, str], body: Any,
                      reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        step = self.take_fault(STREAM) or Step()
        if step.hold is not None:
            await step.hold.wait()
        if not self._authorised(mode, headers):
            return await self._refuse(mode, headers, writer)
        known = {m["id"] for m in self.models}
        if known and body.get("model") not in known and step.status == 200 and step.json is None:
            return await self._send_json(writer, 404, _not_found(mode, str(body.get("model"))))
        if step.status != 200 or step.json is not None:
            return await self._send_json(writer, step.status, step.json or {}, step.headers)
        if body.get("stream") is False:
            return await self._send_json(writer, 200, _whole(mode, step.reply or self.reply))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        events = [(e, False) for e in step.events] if step.events is not None \
            else _events(mode, step.reply or self.reply, body)
        texts = 0
        try:
            for event, is_text in events:
                if step.then != "end" and texts >= step.after_text and is_text:
                    return await self._finish(step, mode, reader, writer)
                texts += is_text
                writer.write(_chunk(event))
                await writer.drain()
            if step.then != "end":
                return await self._finish(step, mode, reader, writer)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            self._lost()
            return False
        return True

    async def _finish(self, step: Step, mode: str, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> bool:
        if step.then == "drop":
            writer.transport.abort()
            return False
        if step.then == "hang":
            while await reader.read(1024):  # until the client hangs up
                pass
            self._lost()
            return False
        if step.then == "error":
            payload = step.error or OVERLOADED[mode]
            name = f"event: {payload.get('type', 'error')}\n" if mode == "anthropic" else ""
            writer.write(_chunk(f"{name}data: {json.dumps(payload)}\n\n".encode()))
        writer.write(b"0\r\n\r\n")  # "truncate": a clean end without the mode's finish
        await writer.drain()
        return True

    def _lost(self) -> None:
        self.disconnects += 1
        self.bump()


def _images(body: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for message in (body.get("messages") or body.get("input") or []) if isinstance(body, dict) else []:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            kind = part.get("type")
            if kind == "image_url":  # chat: {"image_url": {"url": "data:…"}}
                found.append(_data_url(part["image_url"]["url"]))
            elif kind == "input_image":  # responses: {"image_url": "data:…"}
                found.append(_data_url(part["image_url"]))
            elif kind == "image" and part["source"]["type"] == "base64":  # anthropic
                found.append((part["source"]["media_type"], part["source"]["data"]))
    return found


def _data_url(url: str) -> tuple[str, str]:
    head, _, data = url.partition(",")
    assert head.startswith("data:") and head.endswith(";base64"), f"not a base64 data URL: {url[:40]}"
    return head.removeprefix("data:").removesuffix(";base64"), data


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _sse(payload: Any, name: str = "") -> bytes:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(payload)}\n\n".encode()


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


Event = tuple[bytes, bool]  # the SSE bytes, and whether it carries answer text


def _events(mode: str, text: str, body: Any) -> list[Event]:
    builders: dict[str, Callable[[list[str], Any], list[Event]]] = {
        "chat": _chat_events, "responses": _responses_events, "anthropic": _anthropic_events}
    return builders[mode](_words(text), body)


def _chat_events(words: list[str], body: Any) -> list[Event]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse({"object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": delta, "finish_reason": finish}]})
    out = [(chunk({"role": "assistant", "content": ""}), False)]
    out += [(chunk({"content": w}), True) for w in words]
    out.append((chunk({}, "stop"), False))
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append((_sse({"object": "chat.completion.chunk", "choices": [],
                          "usage": {"prompt_tokens": 11, "completion_tokens": len(words)}}), False))
    return [*out, (b"data: [DONE]\n\n", False)]


def _responses_events(words: list[str], body: Any) -> list[Event]:
    out = [(_sse({"type": "response.created", "response": {"status": "in_progress"}}, "response.created"), False)]
    out += [(_sse({"type": "response.output_text.delta", "delta": w}, "response.output_text.delta"), True)
            for w in words]
    done = {"type": "response.completed",
            "response": {"status": "completed", "usage": {"input_tokens": 12, "output_tokens": len(words)}}}
    return [*out, (_sse(done, "response.completed"), False)]


def _anthropic_events(words: list[str], body: Any) -> list[Event]:
    out = [(_sse({"type": "message_start", "message": {"usage": {"input_tokens": 13, "output_tokens": 1}}},
                 "message_start"), False),
           (_sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                 "content_block_start"), False),
           (_sse({"type": "ping"}, "ping"), False)]
    out += [(_sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}},
                  "content_block_delta"), True) for w in words]
    out += [(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"), False),
            (_sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                   "usage": {"output_tokens": len(words)}}, "message_delta"), False),
            (_sse({"type": "message_stop"}, "message_stop"), False)]
    return out


def _whole(mode: str, text: str) -> dict[str, Any]:
    """The answer to a request with stream=false, in the mode's shape."""
    if mode == "chat":
        return {"object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
    if mode == "responses":
        return {"status": "completed", "output": [
            {"type": "message", "content": [{"type": "output_text", "text": text}]}]}
    return {"type": "message", "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 13, "output_tokens": 3}}


def _auth_error(mode: str) -> dict[str, Any]:
    if mode == "anthropic":
        return {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    return {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                      "code": "invalid_api_key"}}


def _not_found(mode: str, model: str) -> dict[str, Any]:
    if mode == "anthropic":
        return {"type": "error", "error": {"type": "not_found_error", "message": f"model: {model}"}}
    return {"error": {"message": f"The model `{model}` does not exist or you do not have access to it.",
                      "type": "invalid_request_error", "code": "model_not_found"}}

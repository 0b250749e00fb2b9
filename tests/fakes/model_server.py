"""A local OpenAI-compatible model server that streams over real sockets.

Tests script what it answers, inject failures with ``fail_next``, and read back what it
was asked (``calls``, ``chat_requests()``). With `n_ctx` set it behaves like a llama.cpp
server for a prompt over its window: the streamed request gets HTTP 200 and no answer (2025
builds send an SSE `error:` line then `[DONE]`; `overflow="empty"` sends nothing at all),
the same request unstreamed gets a 400 naming `n_ctx`, and `/props` (when `props` is on)
tells the window.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tests.fakes.base import Canned, FakeServer

Reply = str | Callable[[dict[str, Any]], str]


def text_of(content: Any) -> str:
    """A message's text: the string, or its text parts with "[N image(s)]" for the images."""
    if not isinstance(content, list):
        return str(content)
    texts = [str(p.get("text", "")) for p in content if p.get("type") == "text"]
    images = sum(1 for p in content if p.get("type") == "image_url")
    seen = [f"[{images} image{'s' if images != 1 else ''}]"] if images else []
    return " ".join([*seen, *texts])


def echo_reply(body: dict[str, Any]) -> str:
    """Default answer: repeats the last user message, so tests can tell replies apart."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    last = text_of(users[-1]["content"]) if users else ""
    return f"You said: {last}"


@dataclass
class Transcription:
    """One `/audio/transcriptions` request as it arrived (multipart `file` + `model`)."""

    model: str
    filename: str
    content_type: str
    data: bytes
    authorization: str


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeModelServer(FakeServer[RecordedRequest, Canned]):
    """Speaks `/v1/models`, streamed `/v1/chat/completions` (SSE, images as `image_url` parts,
    recorded: ``image_parts()``) and `/v1/audio/transcriptions` (``transcript``, ``transcriptions``)."""

    cancel_handlers = True  # a client hanging up mid-stream cancels the handler: counted in `disconnects`

    def __init__(
        self,
        *,
        models: list[dict[str, Any]] | None = None,
        reply: Reply = echo_reply,
        words_per_chunk: int = 1,
        usage: bool = True,
        n_ctx: int | None = None,
        props: bool = False,
        overflow: Literal["error-line", "empty"] = "error-line",
        numbers: bool = True,
    ) -> None:
        super().__init__()
        self.models = models if models is not None else [{"id": "fake-large", "context_length": 128000}]
        self.reply = reply
        self.words_per_chunk = words_per_chunk
        self.usage = usage
        self.n_ctx = n_ctx  # llama.cpp's context size: longer prompts are refused as llama.cpp does
        self.props = props
        self.overflow = overflow
        self.numbers = numbers  # False: the unstreamed 400 names no window (only /props tells)
        self.finish_reason = "stop"  # "length": the answer ends at the token limit
        self.hold: asyncio.Event | None = None  # when set to an Event, streams wait on it
        self.hold_after = 0  # how many pieces stream before waiting on `hold`
        self.disconnects = 0  # streams the client closed before the end
        self.first_token_delay = 0.0  # seconds before the first token (benchmarks)
        self.token_interval = 0.0  # seconds between tokens (benchmarks)
        self.record_bodies = True  # benchmarks turn this off to keep memory flat
        # last user message -> (monotonic time the first token was written, the last one)
        self.timings: dict[str, tuple[float, float]] = {}
        self.open_streams = 0
        self.max_open_streams = 0  # the most answers streaming at the same moment
        self.transcript = "what is the weather like"  # what /audio/transcriptions hears
        self.transcriptions: list[Transcription] = []

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.calls if r.path.endswith("/chat/completions")]

    def image_parts(self) -> list[list[dict[str, Any]]]:
        """Each chat request's `image_url` parts (those of its messages, in order)."""
        return [[part for m in r.body.get("messages", []) if isinstance(m.get("content"), list)
                 for part in m["content"] if part.get("type") == "image_url"] for r in self.chat_requests()]

    def answered(self) -> list[RecordedRequest]:
        """Chat requests that were not refused as over the window."""
        return [r for r in self.chat_requests() if not self._over_window(r.body)]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/props", self._props)
        app.router.add_post("/v1/audio/transcriptions", self._transcribe)

    async def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        await super().stop()

    def fail_next(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None, *,
                  path: str = "/chat/completions", times: int = 1) -> None:
        """The next ``times`` requests to ``path`` ("/chat/completions", "/models" or
        "/audio/transcriptions") get this answer."""
        self.inject(path, Canned(status, body, headers or {}), times=times)

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> None:
        """Wait until `count` chat requests have arrived."""
        await self.wait_for(lambda: len(self.chat_requests()) >= count, timeout, what=f"{count} chat requests")

    async def wait_disconnect(self, timeout: float = 5.0) -> None:
        """Wait until a client has closed a stream early (e.g. after /stop)."""
        await self.wait_for(lambda: self.disconnects > 0, timeout, what="a stream closed early")

    def _record(self, request: web.Request, body: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.record(RecordedRequest(request.method, request.path, headers, body, time.monotonic()))

    async def _models(self, request: web.Request) -> web.Response:
        self._record(request, {})
        err = self.take_fault("/models")
        if err is not None:
            return web.json_response(err.body, status=err.status, headers=err.headers)
        return web.json_response({"object": "list", "data": self.models})

    async def _transcribe(self, request: web.Request) -> web.Response:
        """OpenAI's transcription endpoint: multipart `file` and `model`, answered `{"text"}`."""
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return web.json_response({"error": {"message": "file is required", "type": "invalid_request_error"}},
                                     status=400)
        heard = Transcription(str(form.get("model", "")), upload.filename, upload.content_type,
                              upload.file.read(), request.headers.get("Authorization", ""))
        self.transcriptions.append(heard)
        self._record(request, {"model": heard.model, "file": heard.filename})
        err = self.take_fault("/audio/transcriptions")
        if err is not None:
            return web.json_response(err.body, status=err.status, headers=err.headers)
        return web.json_response({"text": self.transcript})

    @staticmethod
    def prompt_tokens(body: dict[str, Any]) -> int:
        """This server's token count: four characters a token."""
        return sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4

    def _over_window(self, body: dict[str, Any]) -> bool:
        return self.n_ctx is not None and self.prompt_tokens(body) > self.n_ctx

    async def _props(self, request: web.Request) -> web.Response:
        self._record(request, {})
        if not self.props or self.n_ctx is None:
            return web.json_response({"error": {"code": 404, "message": "File Not Found"}}, status=404)
        return web.json_response({"default_generation_settings": {"n_ctx": self.n_ctx}, "total_slots": 1})

    async def _overflow(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        """What llama.cpp does with a prompt longer than its context."""
        tokens, n_ctx = self.prompt_tokens(body), self.n_ctx
        if body.get("stream") is False:
            if not self.numbers:
                return web.json_response({"error": {"code": 400, "type": "invalid_request_error", "message":
                                                    "the request exceeds the available context size"}}, status=400)
            return web.json_response({"error": {
                "code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": tokens, "n_ctx": n_ctx,
                "message": f"request ({tokens} tokens) exceeds the available context size ({n_ctx} tokens), "
                           "try increasing it"}}, status=400)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if self.overflow == "error-line":
            error = {"code": 400, "type": "invalid_request_error",
                     "message": "the request exceeds the available context size. try increasing the context size "
                                "or enable context shift"}
            await resp.write(f"error: {json.dumps(error)}\n\ndata: [DONE]\n\n".encode())
        await resp.write_eof()
        return resp

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self._record(request, body if self.record_bodies else {})
        err = self.take_fault("/chat/completions")
        if err is not None:
            return web.json_response(err.body, status=err.status, headers=err.headers)
        if self._over_window(body):
            return await self._overflow(request, body)
        text = self.reply(body) if callable(self.reply) else self.reply
        if body.get("stream") is False:
            return web.json_response({"object": "chat.completion", "model": body.get("model", ""), "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": self.finish_reason}]})
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        words = text.split(" ")
        pieces = [
            " ".join(words[i : i + self.words_per_chunk]) + (" " if i + self.words_per_chunk < len(words) else "")
            for i in range(0, len(words), self.words_per_chunk)
        ]
        model = body.get("model", "")
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        tag = text_of(users[-1].get("content", "")) if users else ""
        if self.first_token_delay:
            await asyncio.sleep(self.first_token_delay)  # simulated model latency
        first_at = 0.0
        self.open_streams += 1
        self.max_open_streams = max(self.max_open_streams, self.open_streams)
        try:
            for index, piece in enumerate(pieces):
                if index and self.token_interval:
                    await asyncio.sleep(self.token_interval)  # simulated generation speed
                if index == self.hold_after and self.hold is not None:
                    await self.hold.wait()
                await resp.write(_sse({"id": "c1", "object": "chat.completion.chunk", "model": model,
                                       "choices": [{"index": 0, "delta": {"content": piece},
                                                    "finish_reason": None}]}))
                first_at = first_at or time.monotonic()
        except asyncio.CancelledError:
            self.disconnects += 1  # aiohttp cancels the handler when the client goes away
            self.bump()
            raise
        finally:
            self.open_streams -= 1
        self.timings[tag] = (first_at, time.monotonic())
        await resp.write(_sse({"id": "c1", "object": "chat.completion.chunk", "model": model,
                               "choices": [{"index": 0, "delta": {}, "finish_reason": self.finish_reason}]}))
        if self.usage:
            prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
            await resp.write(_sse({"id": "c1", "object": "chat.completion.chunk", "model": model, "choices": [],
                                   "usage": {"prompt_tokens": prompt, "completion_tokens": len(pieces),
                                             "total_tokens": prompt + len(pieces)}}))
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp


def _sse(obj: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()

"""What every API mode shares: one POST that streams SSE, errors mapped, keys kept out."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, ClassVar

import httpx

from core.llm.base import Finished, ModelEvent, ModelInfo, ModelRequest, TextDelta
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_response, from_transport
from core.llm.urls import WireMode, safe_url

log = logging.getLogger(__name__)


def _ask_whole(err: ModelError) -> bool:
    """Worth one unstreamed request: the stream said nothing, or said "too long" without the window."""
    if err.kind is ModelErrorKind.TRUNCATED:
        return True
    return err.kind is ModelErrorKind.CONTEXT and err.context_window is None


class WireClient:
    """One endpoint spoken in one API mode. Subclasses say the URL, body and event grammar."""

    mode: ClassVar[WireMode]

    def __init__(self, base_url: str, api_key: str, http: httpx.AsyncClient, *, name: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._http = http
        self.name = name or safe_url(self.base_url)  # what logs call this target; never the key

    # -- what each mode fills in ---------------------------------------------------------
    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """OpenAI-style bearer auth (chat and responses); the anthropic mode has its own."""
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def body(self, request: ModelRequest) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, response: httpx.Response) -> AsyncIterator[ModelEvent]:
        raise NotImplementedError

    def whole(self, data: Any) -> list[ModelEvent]:
        """Events for a server that ignored stream=true and answered in one JSON piece."""
        raise NotImplementedError

    async def list_models(self) -> list[ModelInfo]:
        raise NotImplementedError

    async def server_window(self) -> int | None:
        """The context window the server runs with, where it says (llama.cpp's /props)."""
        return None

    # -- shared ----------------------------------------------------------------------------
    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelEvent, None]:
        """Stream one answer; leaving the loop early closes the HTTP response at once.

        A stream that ends before any answer (llama.cpp answers a prompt over its window with
        HTTP 200 and nothing else) is asked once more without streaming: that answer is the
        reply, or its error says what went wrong (a 400 naming the window).
        """
        unanswered: ModelError | None = None
        try:
            async with self._http.stream(
                "POST", self.url(), json=self.body(request), headers=self.headers()
            ) as response:
                if response.status_code >= 400:
                    raise from_response(response, await response.aread(), self.name, self._api_key)
                if response.headers.get("content-type", "").startswith("application/json"):
                    for event in self.whole(await self._json(response)):
                        yield event
                    return
                answered = False
                try:
                    async for event in self.parse(response):
                        answered = answered or isinstance(event, (TextDelta, Finished))
                        yield event
                except ModelError as err:
                    if answered or not _ask_whole(err):
                        raise
                    unanswered = err
        except httpx.TransportError as exc:
            raise from_transport(exc, self.name) from exc
        if unanswered is not None:
            for event in await self._unstreamed(request, unanswered):
                yield event

    async def _unstreamed(self, request: ModelRequest, err: ModelError) -> list[ModelEvent]:
        what = "an empty stream" if err.kind is ModelErrorKind.TRUNCATED else "a context error without numbers"
        log.info("%s sent %s; asking once more without streaming to learn why", self.name, what)
        body = self.body(request)
        body["stream"] = False
        body.pop("stream_options", None)
        try:
            return self.whole(await self.fetch_json("POST", self.url(), payload=body))
        except ModelError as probed:
            if err.kind is ModelErrorKind.CONTEXT and probed.kind is not ModelErrorKind.CONTEXT:
                raise err from None  # the probe failed otherwise: the stream's own words stand
            raise

    async def _json(self, response: httpx.Response) -> Any:
        try:
            return json.loads(await response.aread())
        except ValueError as exc:
            raise ModelError(ModelErrorKind.PROTOCOL, "response was not JSON", target=self.name) from exc

    async def fetch_json(
        self, method: str, url: str, *, params: dict[str, str] | None = None, payload: dict[str, Any] | None = None
    ) -> Any:
        """One JSON request with this mode's auth headers; raises ModelError like a failed stream."""
        headers = {k: v for k, v in self.headers().items() if k.lower() != "accept"}
        try:
            response = await self._http.request(method, url, headers=headers, params=params, json=payload)
        except httpx.TransportError as exc:
            raise from_transport(exc, self.name) from exc
        if response.status_code >= 400:
            raise from_response(response, response.content, self.name, self._api_key)
        try:
            return response.json()
        except ValueError as exc:
            raise ModelError(
                ModelErrorKind.PROTOCOL, f"{method} {safe_url(url)} did not return JSON", target=self.name
            ) from exc

    async def aclose(self) -> None:
        await self._http.aclose()


def usage_tokens(usage: Any, input_key: str, output_key: str) -> tuple[int, int] | None:
    """(input, output) tokens from a usage object, or None when there is none."""
    if not isinstance(usage, dict):
        return None
    return int(usage.get(input_key) or 0), int(usage.get(output_key) or 0)

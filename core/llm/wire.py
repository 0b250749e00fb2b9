"""What every API mode shares: one POST that streams SSE, errors mapped, keys kept out."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, ClassVar

import httpx

from core.llm.base import ModelEvent, ModelInfo, ModelRequest
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_response, from_transport
from core.llm.urls import WireMode, safe_url


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

    # -- shared ----------------------------------------------------------------------------
    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelEvent, None]:
        """Stream one answer; leaving the loop early closes the HTTP response at once."""
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
                async for event in self.parse(response):
                    yield event
        except httpx.TransportError as exc:
            raise from_transport(exc, self.name) from exc

    async def _json(self, response: httpx.Response) -> Any:
        try:
            return json.loads(await response.aread())
        except ValueError as exc:
            raise ModelError(ModelErrorKind.PROTOCOL, "response was not JSON", target=self.name) from exc

    async def get_json(self, url: str, *, params: dict[str, str] | None = None) -> Any:
        """GET with this mode's auth headers; raises ModelError like a failed stream."""
        headers = {k: v for k, v in self.headers().items() if k.lower() != "accept"}
        try:
            response = await self._http.get(url, headers=headers, params=params)
        except httpx.TransportError as exc:
            raise from_transport(exc, self.name) from exc
        if response.status_code >= 400:
            raise from_response(response, response.content, self.name, self._api_key)
        try:
            return response.json()
        except ValueError as exc:
            raise ModelError(
                ModelErrorKind.PROTOCOL, f"GET {safe_url(url)} did not return JSON", target=self.name
            ) from exc

    async def post_json(self, url: str, payload: dict[str, Any]) -> Any:
        headers = {k: v for k, v in self.headers().items() if k.lower() != "accept"}
        try:
            response = await self._http.post(url, headers=headers, json=payload)
        except httpx.TransportError as exc:
            raise from_transport(exc, self.name) from exc
        if response.status_code >= 400:
            raise from_response(response, response.content, self.name, self._api_key)
        try:
            return response.json()
        except ValueError as exc:
            raise ModelError(ModelErrorKind.PROTOCOL, "answer was not JSON", target=self.name) from exc

    async def aclose(self) -> None:
        await self._http.aclose()


def usage_tokens(usage: Any, input_key: str, output_key: str) -> tuple[int, int] | None:
    """(input, output) tokens from a usage object, or None when there is none."""
    if not isinstance(usage, dict):
        return None
    return int(usage.get(input_key) or 0), int(usage.get(output_key) or 0)

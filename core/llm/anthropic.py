"""Anthropic Messages API (`{root}/v1/messages`) streaming client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from core.llm.base import ChatMessage, Finished, ModelEvent, ModelInfo, ModelRequest, TextDelta, UsageReport
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_stream_error
from core.llm.models_list import list_anthropic
from core.llm.sse import json_events
from core.llm.urls import anthropic_url
from core.llm.wire import WireClient

ANTHROPIC_VERSION = "2023-06-01"
_STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicClient(WireClient):
    """Streams from the Messages API: `x-api-key`, top-level `system`, required `max_tokens`."""

    mode = "anthropic"

    def url(self) -> str:
        return anthropic_url(self.base_url, "/messages")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", "anthropic-version": ANTHROPIC_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    def body(self, request: ModelRequest) -> dict[str, Any]:
        # The Messages API has no system role inside `messages`: fold any into `system`.
        system = "\n\n".join([request.system] + [m.content for m in request.messages if m.role == "system"])
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": [
                {"role": m.role, "content": _content(m)} for m in request.messages if m.role != "system"
            ],
            "stream": True,
        }
        if system.strip():
            body["system"] = system.strip()
        return body

    async def parse(self, response: httpx.Response) -> AsyncIterator[ModelEvent]:
        input_tokens = output_tokens = 0
        stop: str | None = None
        async for name, data in json_events(response, self.name):
            if not isinstance(data, dict):
                continue
            kind = data.get("type") or name
            if kind == "content_block_delta":
                delta = data.get("delta") or {}
                if delta.get("type") == "text_delta" and delta.get("text"):
                    yield TextDelta(str(delta["text"]))
            elif kind == "message_start":
                usage = (data.get("message") or {}).get("usage") or {}
                input_tokens = int(usage.get("input_tokens") or 0)
            elif kind == "message_delta":
                usage = data.get("usage") or {}
                output_tokens = int(usage.get("output_tokens") or output_tokens)
                input_tokens = int(usage.get("input_tokens") or input_tokens)
                stop = (data.get("delta") or {}).get("stop_reason") or stop
            elif kind == "message_stop":
                yield UsageReport(input_tokens, output_tokens)
                yield Finished(_STOP.get(str(stop), str(stop or "stop")))
                return
            elif kind == "error":
                raise from_stream_error(data, self.name, self._api_key)
            # ping, content_block_start/stop and future event types: nothing to do
        raise ModelError(ModelErrorKind.TRUNCATED, "stream ended without message_stop", target=self.name)

    def whole(self, data: Any) -> list[ModelEvent]:
        if not isinstance(data, dict) or data.get("type") == "error":
            raise from_stream_error(data, self.name, self._api_key)
        text = "".join(
            str(block.get("text") or "")
            for block in data.get("content") or []
            if isinstance(block, dict) and block.get("type") == "text"
        )
        usage = data.get("usage") or {}
        stop = str(data.get("stop_reason") or "end_turn")
        return [
            TextDelta(text),
            UsageReport(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
            Finished(_STOP.get(stop, stop)),
        ]

    async def list_models(self) -> list[ModelInfo]:
        return await list_anthropic(self)


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """Plain text, or `image` blocks (base64 source) then the text when the message has images:
    Anthropic advises images before the question about them."""
    if not message.images:
        return message.content
    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": image.media_type, "data": image.base64}}
        for image in message.images
    ]
    return blocks + ([{"type": "text", "text": message.content}] if message.content else [])

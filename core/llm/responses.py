"""OpenAI Responses API (`/responses`) streaming client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from core.llm.base import ChatMessage, Finished, ModelEvent, ModelInfo, ModelRequest, TextDelta, UsageReport
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_stream_error
from core.llm.models_list import list_openai, server_n_ctx
from core.llm.sse import json_events
from core.llm.urls import responses_url
from core.llm.wire import WireClient, usage_tokens

_INCOMPLETE = {"max_output_tokens": "length", "content_filter": "content_filter"}


class ResponsesClient(WireClient):
    """Streams from `{base_url}/responses` with `instructions` + `input`."""

    mode = "responses"

    def url(self) -> str:
        return responses_url(self.base_url)

    def body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "input": [{"role": m.role, "content": _content(m)} for m in request.messages],
            "stream": True,
            "store": False,
            "max_output_tokens": request.max_tokens,
        }
        if request.system:
            body["instructions"] = request.system
        return body

    async def parse(self, response: httpx.Response) -> AsyncIterator[ModelEvent]:
        async for name, data in json_events(response, self.name):
            if not isinstance(data, dict):
                continue
            kind = data.get("type") or name  # the JSON type decides; the event name is a fallback
            if kind == "response.output_text.delta":
                if data.get("delta"):
                    yield TextDelta(str(data["delta"]))
            elif kind in ("response.completed", "response.incomplete"):
                final = data.get("response") or {}
                tokens = usage_tokens(final.get("usage"), "input_tokens", "output_tokens")
                if tokens is not None:
                    yield UsageReport(*tokens)
                yield Finished(self._reason(kind, final))
                return
            elif kind == "response.failed":
                error = (data.get("response") or {}).get("error") or {"message": "response.failed"}
                raise from_stream_error({"error": error}, self.name, self._api_key)
            elif kind == "error":
                raise from_stream_error(data, self.name, self._api_key)
        raise ModelError(ModelErrorKind.TRUNCATED, "stream ended without response.completed", target=self.name)

    @staticmethod
    def _reason(kind: str, final: dict[str, Any]) -> str:
        if kind == "response.completed":
            return "stop"
        details = final.get("incomplete_details") or {}
        return _INCOMPLETE.get(str(details.get("reason")), "length")

    def whole(self, data: Any) -> list[ModelEvent]:
        if not isinstance(data, dict) or data.get("error"):
            raise from_stream_error(data, self.name, self._api_key)
        texts = [
            str(part.get("text") or "")
            for item in data.get("output") or []
            if isinstance(item, dict) and item.get("type") == "message"
            for part in item.get("content") or []
            if isinstance(part, dict) and part.get("type") == "output_text"
        ]
        events: list[ModelEvent] = [TextDelta("".join(texts))]
        tokens = usage_tokens(data.get("usage"), "input_tokens", "output_tokens")
        if tokens is not None:
            events.append(UsageReport(*tokens))
        status = str(data.get("status") or "completed")
        events.append(Finished(self._reason(f"response.{status}", data)))
        return events

    async def list_models(self) -> list[ModelInfo]:
        return await list_openai(self)

    async def server_window(self) -> int | None:
        return await server_n_ctx(self)


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """Plain text, or `input_text` and `input_image` parts (data URLs) when the message has images."""
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": message.content}] if message.content else []
    parts += [{"type": "input_image", "image_url": image.data_url} for image in message.images]
    return parts

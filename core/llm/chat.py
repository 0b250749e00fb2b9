"""OpenAI-compatible `/chat/completions` streaming client."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx

from core.llm.base import ChatMessage, Finished, ModelEvent, ModelInfo, ModelRequest, TextDelta, UsageReport
from core.llm.deadlines import closing
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_stream_error
from core.llm.models_list import list_openai, server_n_ctx
from core.llm.sse import json_events
from core.llm.urls import chat_url
from core.llm.wire import WireClient, usage_tokens


class ChatCompletionsClient(WireClient):
    """Streams from `{base_url}/chat/completions`."""

    mode = "chat"
    # OpenAI's reasoning models refuse `max_tokens` and want `max_completion_tokens`; most other
    # servers only know `max_tokens`. Start with the common one, switch once when told to.
    _completion_tokens = False

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelEvent, None]:
        try:
            async with closing(super().stream(request)) as events:
                async for event in events:
                    yield event
            return
        except ModelError as err:
            if self._completion_tokens or err.kind is not ModelErrorKind.BAD_REQUEST \
                    or "max_completion_tokens" not in err.detail:
                raise
        self._completion_tokens = True
        async with closing(super().stream(request)) as events:
            async for event in events:
                yield event

    def url(self) -> str:
        return chat_url(self.base_url)

    def body(self, request: ModelRequest) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend({"role": m.role, "content": _content(m)} for m in request.messages)
        return {
            "model": request.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_completion_tokens" if self._completion_tokens else "max_tokens": request.max_tokens,
        }

    async def parse(self, response: httpx.Response) -> AsyncIterator[ModelEvent]:
        finish: str | None = None
        done = said = False
        async for _name, data in json_events(response, self.name):
            if data == "[DONE]":
                done = True
                break
            if not isinstance(data, dict):
                continue
            if data.get("error") or data.get("type") == "error":
                raise from_stream_error(data, self.name, self._api_key)
            tokens = usage_tokens(data.get("usage"), "prompt_tokens", "completion_tokens")
            if tokens is not None:
                yield UsageReport(*tokens)
            for choice in data.get("choices") or ():
                content = (choice.get("delta") or {}).get("content")
                if content:
                    said = True
                    yield TextDelta(content)
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
        if finish is None and not (done and said):
            what = "[DONE] without any answer" if done else "stream ended without finish_reason or [DONE]"
            raise ModelError(ModelErrorKind.TRUNCATED, what, target=self.name)
        yield Finished(finish or "stop")

    def whole(self, data: Any) -> list[ModelEvent]:
        if isinstance(data, dict) and data.get("error"):
            raise from_stream_error(data, self.name, self._api_key)
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices:
            raise ModelError(ModelErrorKind.PROTOCOL, "completion without choices", target=self.name)
        message = choices[0].get("message") or {}
        events: list[ModelEvent] = [TextDelta(str(message.get("content") or ""))]
        tokens = usage_tokens(data.get("usage"), "prompt_tokens", "completion_tokens")
        if tokens is not None:
            events.append(UsageReport(*tokens))
        events.append(Finished(str(choices[0].get("finish_reason") or "stop")))
        return events

    async def list_models(self) -> list[ModelInfo]:
        return await list_openai(self)

    async def server_window(self) -> int | None:
        return await server_n_ctx(self)


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """Plain text, or text and `image_url` parts (data URLs) when the message has images."""
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
    parts += [{"type": "image_url", "image_url": {"url": image.data_url}} for image in message.images]
    return parts

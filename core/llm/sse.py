"""Server-sent events as decoded JSON objects.

Hand-rolled rather than httpx-sse's EventSource: that one refuses any Content-Type but
text/event-stream, and some proxies label their streams otherwise.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from core.llm.errors import ModelError, ModelErrorKind


async def _lines(response: httpx.Response) -> AsyncIterator[str]:
    """Lines split on CR, LF or CRLF only (never on U+2028 inside JSON)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    async for chunk in response.aiter_bytes():
        pending += decoder.decode(chunk)
        pending = pending.replace("\r\n", "\n")
        # A trailing CR may be half of a CRLF still in flight: keep it for the next chunk.
        keep_cr = pending.endswith("\r")
        body = pending[:-1] if keep_cr else pending
        *complete, rest = body.replace("\r", "\n").split("\n")
        pending = rest + ("\r" if keep_cr else "")
        for line in complete:
            yield line
    pending += decoder.decode(b"", final=True)
    if pending.rstrip("\r"):
        yield pending.rstrip("\r")


async def raw_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event name, data) per SSE event: comments skipped, multi-line data joined."""
    name, data = "", list[str]()
    async for line in _lines(response):
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "", list[str]()
            continue
        if line.startswith(":"):
            continue  # a comment, e.g. OpenRouter's ": OPENROUTER PROCESSING" keep-alive
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
        elif field == "error":  # llama.cpp (2025 builds) sends a failure as `error: {json}`
            name = "error"
            data.append(value)
    if data:
        yield name, "\n".join(data)


async def json_events(response: httpx.Response, target: str) -> AsyncIterator[tuple[str, Any]]:
    """Yield (event name, decoded data) pairs; `[DONE]` comes through as data "[DONE]".

    An `error` event comes through as {"type": "error", "error": {...}}, whatever its payload.
    """
    async for name, data in raw_events(response):
        if data.strip() == "[DONE]":
            yield name, "[DONE]"
            continue
        try:
            decoded = json.loads(data)
        except ValueError as exc:
            if name == "error":
                yield name, {"type": "error", "error": {"message": data[:300]}}
                continue
            raise ModelError(
                ModelErrorKind.PROTOCOL, f"undecodable SSE data: {data[:120]!r}", target=target
            ) from exc
        if name == "error" and isinstance(decoded, dict) and "error" not in decoded and decoded.get("type") != "error":
            decoded = {"type": "error", "error": decoded}  # a bare error object: say what it is
        yield name, decoded

"""Turn an endpoint's HTTP failure into a ModelError (shared by every API mode)."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from time import time
from typing import Any

import aiohttp
import httpx

from core.llm.errors import ModelError, ModelErrorKind, redact

_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "context length",
    "maximum context",
    "prompt is too long",
    "exceed_context_size",
    "exceeds the available context",
    "too many tokens",
    "input is too long",
    "request_too_large",
)
_NOT_FOUND_MARKERS = (
    "model_not_found",
    "invalid model name",
    "does not exist",
    "unknown model",
    "no endpoints found for",
)
# Error `type` / `code` strings that name their class outright (Anthropic, OpenAI, LiteLLM).
_TYPE_KINDS = {
    "overloaded_error": ModelErrorKind.UNAVAILABLE,
    "api_error": ModelErrorKind.UNAVAILABLE,
    "server_error": ModelErrorKind.UNAVAILABLE,
    "service_unavailable": ModelErrorKind.UNAVAILABLE,
    "rate_limit_error": ModelErrorKind.RATE_LIMITED,
    "rate_limit_exceeded": ModelErrorKind.RATE_LIMITED,
    "authentication_error": ModelErrorKind.AUTH,
    "permission_error": ModelErrorKind.AUTH,
    "invalid_api_key": ModelErrorKind.AUTH,
    "not_found_error": ModelErrorKind.NOT_FOUND,
    "insufficient_quota": ModelErrorKind.QUOTA,
    "billing_error": ModelErrorKind.QUOTA,
    "timeout_error": ModelErrorKind.TIMEOUT,
}
# "maximum context length is 8192", "> 200000 maximum", llama.cpp's "n_ctx": 4096, ...
_WINDOW_PATTERNS = (
    re.compile(r"maximum context length (?:is|of) (\d+)", re.I),
    re.compile(r"tokens? > (\d+) maximum", re.I),
    re.compile(r"\"n_ctx\"\s*:\s*(\d+)"),
    re.compile(r"context (?:window|size|length) (?:is|of) (\d+)", re.I),
)


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Read retry-after-ms or retry-after (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


def _error_object(data: Any) -> dict[str, Any] | None:
    if isinstance(data, dict):
        err = data.get("error", data)
        return err if isinstance(err, dict) else None
    return None


def error_text(body: bytes) -> str:
    """The endpoint's own error message, whatever shape its JSON has (cut short)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            parts = [str(err.get(k)) for k in ("type", "code", "message") if err.get(k)]
            return " ".join(parts)[:300] or json.dumps(data)[:300]
        if isinstance(err, str):
            return err[:300]
        if "detail" in data:
            return str(data["detail"])[:300]
    return json.dumps(data)[:300]


def window_from_error(text: str) -> int | None:
    """The context window an error message states, if it states one."""
    for pattern in _WINDOW_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def _typed_kind(low: str) -> ModelErrorKind | None:
    for name, kind in _TYPE_KINDS.items():
        if name in low:
            return kind
    return None


def classify_message(text: str, status: int | None) -> ModelErrorKind:
    """Sort an error message (from a status line or an in-stream error) into a kind."""
    low = text.lower()
    if any(m in low for m in _CONTEXT_MARKERS):
        return ModelErrorKind.CONTEXT
    if "insufficient_quota" in low or ("quota" in low and status == 429):
        return ModelErrorKind.QUOTA
    if status in (401, 403):
        return ModelErrorKind.AUTH
    if status == 402:
        return ModelErrorKind.QUOTA  # payment required: out of credits
    if status == 405:
        return ModelErrorKind.NO_ROUTE
    if status == 404:
        # A 404 that talks about a model is about the model; any other is about the path.
        return ModelErrorKind.NOT_FOUND if "model" in low else ModelErrorKind.NO_ROUTE
    if status in (400, None) and any(m in low for m in _NOT_FOUND_MARKERS):
        return ModelErrorKind.NOT_FOUND
    if status == 429:
        return ModelErrorKind.RATE_LIMITED
    if status == 408:
        return ModelErrorKind.TIMEOUT
    if status is not None and (status >= 500 or status == 409):
        return ModelErrorKind.UNAVAILABLE
    typed = _typed_kind(low)
    if typed is not None:
        return typed
    if "overloaded" in low or "rate limit" in low:
        return ModelErrorKind.UNAVAILABLE if "overloaded" in low else ModelErrorKind.RATE_LIMITED
    if status is None:
        return ModelErrorKind.UNAVAILABLE if "error" in low else ModelErrorKind.PROTOCOL
    return ModelErrorKind.BAD_REQUEST


def from_response(response: httpx.Response, body: bytes, target: str, secret: str = "") -> ModelError:
    raw = redact(body.decode("utf-8", "replace"), [secret])
    text = redact(error_text(body), [secret])
    kind = classify_message(text, response.status_code)
    return ModelError(
        kind,
        f"HTTP {response.status_code} at {response.request.url.path}: {text}",
        status=response.status_code,
        retry_after=retry_after_seconds(response.headers),
        target=target,
        context_window=window_from_error(raw) if kind is ModelErrorKind.CONTEXT else None,
    )


def from_stream_error(data: Any, target: str, secret: str = "") -> ModelError:
    """An `error` object that arrived inside a 200 stream (e.g. Anthropic's overloaded)."""
    raw = redact(json.dumps(data), [secret])
    err = _error_object(data)
    text = error_text(json.dumps(err if err is not None else data).encode())
    text = redact(text, [secret])
    status = None
    if err is not None and isinstance(err.get("code"), int):
        status = err["code"] if 400 <= err["code"] < 600 else None
    kind = classify_message(text, status)
    return ModelError(
        kind,
        f"in-stream error: {text}",
        status=status,
        target=target,
        context_window=window_from_error(raw) if kind is ModelErrorKind.CONTEXT else None,
    )


def from_transport(exc: httpx.TransportError, target: str) -> ModelError:
    """Connection refused, DNS failure, timeouts: never includes the URL's credentials."""
    timed_out = isinstance(exc, httpx.TimeoutException) and not _refused(exc)
    kind = ModelErrorKind.TIMEOUT if timed_out else ModelErrorKind.UNAVAILABLE
    return ModelError(kind, f"{type(exc).__name__}: {exc}"[:300], target=target)


def _refused(exc: BaseException) -> bool:
    """httpx-aiohttp reports a refused connection as ConnectTimeout; the cause tells the truth."""
    return isinstance(exc.__cause__, aiohttp.ClientConnectorError)

"""Turn an endpoint's HTTP failure into a ModelError (shared by every API mode)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from time import time
from typing import Any

import aiohttp
import httpx

from core.llm.errors import ModelError, ModelErrorKind
from core.logs.redaction import redact

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
# A LiteLLM proxy with a master key and no database answers a wrong key with 400 "No connected
# db." and a missing one with a 500; proxies also wrap an upstream's refusal in these words.
_AUTH_MARKERS = (
    "no connected db",
    "no_db_connection",
    "auth_error",
    "authentication error",
    "no api key passed",
    "token_not_found_in_db",
    "invalid proxy server token",
)
# "maximum context length is 8192", "> 200000 maximum", llama.cpp's "n_ctx": 4096, ...
_WINDOW_PATTERNS = (
    re.compile(r"maximum context length (?:is|of) (\d+)", re.I),
    re.compile(r"tokens? > (\d+) maximum", re.I),
    re.compile(r"\"n_ctx\"\s*:\s*(\d+)"),
    re.compile(r"context (?:window|size|length) (?:is|of) (\d+)", re.I),
)


_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds_or_date(value: str) -> float | None:
    """"90" (seconds) or an HTTP date, as seconds from now."""
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


def _reset_seconds(value: str) -> float | None:
    """A rate-limit reset: "6m0s" / "20ms" (OpenAI), an RFC 3339 time (Anthropic), seconds,
    or a Unix timestamp."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        return max(0.0, number - time()) if number > 1e9 else max(0.0, number)
    parts = _GO_DURATION.findall(value)
    if parts and "".join(n + u for n, u in parts) == value:
        return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    try:
        return max(0.0, datetime.fromisoformat(value).timestamp() - time())
    except ValueError:
        return None


def _rate_limit_reset(headers: httpx.Headers) -> float | None:
    """The wait the x-ratelimit-reset-* family implies: the exhausted limits' resets, else the soonest."""
    exhausted: list[float] = []
    other: list[float] = []
    for name, value in headers.items():
        low = name.lower()
        if "ratelimit" not in low or "reset" not in low:
            continue
        seconds = _reset_seconds(value)
        if seconds is None:
            continue
        remaining = headers.get(low.replace("reset", "remaining"), "").strip()
        (exhausted if remaining == "0" else other).append(seconds)
    if exhausted:
        return max(exhausted)
    return min(other) if other else None


def retry_after_seconds(headers: httpx.Headers, *, rate_limited: bool = False) -> float | None:
    """The wait an endpoint asks for: retry-after(-ms), the same forwarded by a LiteLLM proxy
    (llm_provider-retry-after(-ms)), and on a 429 the x-ratelimit-reset-* family."""
    for name in ("retry-after-ms", "llm_provider-retry-after-ms"):
        ms = headers.get(name)
        if ms:
            try:
                return max(0.0, float(ms) / 1000)
            except ValueError:
                pass
    for name in ("retry-after", "llm_provider-retry-after"):
        value = headers.get(name)
        seconds = _seconds_or_date(value) if value else None
        if seconds is not None:
            return seconds
    return _rate_limit_reset(headers) if rate_limited else None


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
    if status in (401, 403) or any(m in low for m in _AUTH_MARKERS):
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
        retry_after=retry_after_seconds(response.headers, rate_limited=kind is ModelErrorKind.RATE_LIMITED),
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

"""Where each API mode lives under a base URL, and what a URL says about its mode."""

from __future__ import annotations

import hashlib
import re
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

WireMode = Literal["chat", "responses", "anthropic"]
WIRE_MODES: tuple[WireMode, ...] = ("chat", "responses", "anthropic")

ANTHROPIC_HOSTS = frozenset({"api.anthropic.com"})
# OpenAI's own API serves every current model on /responses, some only there.
RESPONSES_HOSTS = frozenset({"api.openai.com"})
# Public services whose /models already says all it will say: no metadata probes there.
PUBLIC_HOSTS = frozenset({"api.openai.com", "openrouter.ai", "api.anthropic.com"})

# Endpoint paths people paste into the base URL, and the mode each one names.
_PASTED_PATHS: tuple[tuple[str, WireMode], ...] = (
    ("/chat/completions", "chat"),
    ("/responses", "responses"),
    ("/v1/messages", "anthropic"),
)
_VERSION_SEGMENT = re.compile(r"^v\d+\w*$")


def split_base(base_url: str) -> tuple[str, WireMode | None]:
    """Strip an endpoint path pasted into the base URL; return the base and the mode it names."""
    url = base_url.strip().rstrip("/")
    for suffix, mode in _PASTED_PATHS:
        if url.endswith(suffix):
            return url[: -len(suffix)], mode
    return url, None


def host(base_url: str) -> str:
    return (urlsplit(base_url).hostname or "").lower()


def mode_from_url(base_url: str) -> WireMode:
    """The URL rule: a pasted endpoint path, then known hosts and suffixes, else chat."""
    base, named = split_base(base_url)
    if named is not None:
        return named
    if host(base) in ANTHROPIC_HOSTS or urlsplit(base).path.endswith("/anthropic"):
        return "anthropic"
    if host(base) in RESPONSES_HOSTS:
        return "responses"
    return "chat"


def has_version(base_url: str) -> bool:
    """True when the path carries an API version segment such as /v1 or /v1beta."""
    return any(_VERSION_SEGMENT.match(seg) for seg in urlsplit(base_url).path.split("/"))


def root(base_url: str) -> str:
    """The server root under the OpenAI-style `/v1` (where /props, /api/show live)."""
    base = split_base(base_url)[0]
    return base[: -len("/v1")] if base.endswith("/v1") else base


def chat_url(base_url: str) -> str:
    return split_base(base_url)[0] + "/chat/completions"


def responses_url(base_url: str) -> str:
    return split_base(base_url)[0] + "/responses"


def openai_models_url(base_url: str) -> str:
    return split_base(base_url)[0] + "/models"


def anthropic_url(base_url: str, path: str) -> str:
    """Anthropic paths hang off `{root}/v1`, whether or not the base URL already has it."""
    base = split_base(base_url)[0]
    return f"{base}{path}" if base.endswith("/v1") else f"{base}/v1{path}"


def mode_url(base_url: str, mode: WireMode) -> str:
    if mode == "chat":
        return chat_url(base_url)
    if mode == "responses":
        return responses_url(base_url)
    return anthropic_url(base_url, "/messages")


def safe_url(url: str) -> str:
    """The URL without credentials or query string: fit for logs and messages."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def endpoint_id(base_url: str) -> str:
    """A short stable id for Redis keys (a hash: URLs can carry credentials)."""
    return hashlib.sha256(split_base(base_url)[0].encode()).hexdigest()[:16]

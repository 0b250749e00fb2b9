"""The `auto` API mode: guess from the URL, probe the other modes on 404/405, remember.

The answer is cached per base URL in Redis, so one replica's probe serves them all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator

import httpx
from redis.asyncio import Redis

from core.llm.anthropic import AnthropicClient
from core.llm.base import ModelEvent, ModelInfo, ModelRequest
from core.llm.chat import ChatCompletionsClient
from core.llm.deadlines import closing
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.responses import ResponsesClient
from core.llm.urls import (
    WIRE_MODES,
    WireMode,
    endpoint_id,
    has_version,
    mode_from_url,
    mode_url,
    safe_url,
    split_base,
)
from core.llm.wire import WireClient

log = logging.getLogger(__name__)

MODE_CACHE_TTL = 24 * 3600
MISS_MEMO_SECONDS = 60.0
_CLASSES: dict[WireMode, type[WireClient]] = {
    "chat": ChatCompletionsClient,
    "responses": ResponsesClient,
    "anthropic": AnthropicClient,
}


def wire_client(
    mode: WireMode, base_url: str, api_key: str, http: httpx.AsyncClient, *, name: str = ""
) -> WireClient:
    """The client for one fixed API mode."""
    return _CLASSES[mode](base_url, api_key, http, name=name)


class ModeCache:
    """Which mode answered at a base URL; in Redis when there is one, else for this process."""

    def __init__(self, redis: Redis | None, prefix: str, *, ttl: int = MODE_CACHE_TTL) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl
        self._local: dict[str, WireMode] = {}
        self._missed_until: dict[str, float] = {}

    def _key(self, base_url: str) -> str:
        return f"{self._prefix}llm:mode:{endpoint_id(base_url)}"

    async def get(self, base_url: str) -> WireMode | None:
        # A detected mode is stable: once known here, reading Redis again per message buys nothing.
        if self._redis is None or base_url in self._local:
            return self._local.get(base_url)
        if self._missed_until.get(base_url, 0.0) > time.monotonic():
            return None  # nothing probed there a moment ago; another replica's probe shows up within a minute
        raw = await self._redis.get(self._key(base_url))
        value = raw.decode() if isinstance(raw, bytes) else raw
        if value in WIRE_MODES:
            self._local[base_url] = value
            return value
        self._missed_until[base_url] = time.monotonic() + MISS_MEMO_SECONDS
        return None

    async def set(self, base_url: str, mode: WireMode) -> None:
        self._local[base_url] = mode
        if self._redis is not None:
            await self._redis.set(self._key(base_url), mode, ex=self._ttl)

    async def forget(self, base_url: str) -> None:
        self._local.pop(base_url, None)
        if self._redis is not None:
            await self._redis.delete(self._key(base_url))


class AutoClient:
    """One endpoint whose API mode is found out rather than configured."""

    def __init__(
        self, base_url: str, api_key: str, http: httpx.AsyncClient, cache: ModeCache, *, name: str = ""
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name or safe_url(self.base_url)
        self._cache = cache
        self._guess = mode_from_url(base_url)
        self._clients = {m: wire_client(m, base_url, api_key, http, name=self.name) for m in WIRE_MODES}

    async def mode(self) -> WireMode:
        """The cached answer, else the URL rule's guess."""
        return await self._cache.get(self.base_url) or self._guess

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelEvent, None]:
        cached = await self._cache.get(self.base_url)
        first = cached or self._guess
        order = [first, *(m for m in WIRE_MODES if m != first)]
        last: ModelError | None = None
        for mode in order:
            try:
                async with closing(self._clients[mode].stream(request)) as events:
                    async for event in events:
                        yield event
            except ModelError as err:
                if err.kind is not ModelErrorKind.NO_ROUTE:
                    raise  # the path exists but failed: not a question of mode
                log.info("%s: no %s API here (HTTP %s), probing the next mode", self.name, mode, err.status)
                last = err
                continue
            await self._remember(mode, cached)
            return
        if cached is not None:
            await self._cache.forget(self.base_url)
        assert last is not None
        raise await no_route_error(self._clients["chat"], last)

    async def _remember(self, mode: WireMode, cached: WireMode | None) -> None:
        if mode != cached and (cached is not None or mode != self._guess):
            log.info("%s speaks the %s API; remembered for every replica", self.name, mode)
            await self._cache.set(self.base_url, mode)

    async def list_models(self) -> list[ModelInfo]:
        client = self._clients[await self.mode()]
        try:
            return await client.list_models()
        except ModelError as err:
            if err.kind is ModelErrorKind.NO_ROUTE:
                raise await no_route_error(client, err) from None
            raise

    async def server_window(self) -> int | None:
        return await self._clients[await self.mode()].server_window()

    async def aclose(self) -> None:
        await self._clients["chat"].aclose()  # all modes share one HTTP client


async def v1_hint(client: WireClient) -> str | None:
    """When the base URL lacks `/v1` and `{base}/v1/models` answers: the URL to use instead."""
    base = split_base(client.base_url)[0]
    if has_version(base):
        return None
    try:
        await client.fetch_json("GET", base + "/v1/models")
    except ModelError as err:
        if err.kind is not ModelErrorKind.AUTH:
            return None
    return base + "/v1"


async def no_route_error(client: WireClient, err: ModelError) -> ModelError:
    """NO_ROUTE with the explanation an operator needs: missing /v1, or no known API."""
    fixed = await v1_hint(client)
    base = safe_url(split_base(client.base_url)[0])
    if fixed is not None:
        detail = f"nothing answers under {base}, but {safe_url(fixed)} does: set MODEL_BASE_URL={safe_url(fixed)}"
    else:
        tried = ", ".join(safe_url(mode_url(client.base_url, m)) for m in WIRE_MODES)
        detail = f"no chat, responses or anthropic API answered ({tried}); last: {err.detail}"
    return ModelError(ModelErrorKind.NO_ROUTE, detail, status=err.status, target=err.target)

"""One endpoint's model list with context windows, cached in Redis for every replica.

Keys carry the endpoint's id (a hash of its base URL): endpoints that share a Redis, or a
MODEL_BASE_URL changed to another server, never see each other's list or learned windows.

    {prefix}llm:catalog:{endpoint id}         the listed models, JSON, for the catalog TTL
    {prefix}llm:learned_window:{endpoint id}  hash: model -> window a context error taught us
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import astuple, replace
from typing import Protocol

from redis.asyncio import Redis

from core.llm.base import ModelInfo, TokenPrices
from core.llm.errors import ModelError
from core.llm.gate import Unknown
from core.llm.suggest import closest_usable
from core.llm.urls import endpoint_id

log = logging.getLogger(__name__)

WINDOW_MEMO_SECONDS = 60.0  # a window is reused in-process this long (it is read per message)
LEARNED_TTL = 30 * 24 * 3600


class ModelLister(Protocol):
    """What a catalog needs of its endpoint's client."""

    base_url: str

    async def list_models(self) -> list[ModelInfo]: ...

    async def server_window(self) -> int | None: ...


def learned_key(prefix: str, base_url: str) -> str:
    """Where the windows learned from one endpoint's context errors live."""
    return f"{prefix}llm:learned_window:{endpoint_id(base_url)}"


async def learned_windows(redis: Redis, prefix: str, base_url: str) -> dict[str, int]:
    """Every window learned from one endpoint's context errors, by model."""
    raw = await redis.hgetall(learned_key(prefix, base_url))
    return {_text(k): int(v) for k, v in raw.items()}


def effective_window(stated: int | None, learned: int | None) -> int | None:
    """The configured or listed window, capped by what a context error taught us."""
    if stated and learned:
        return min(stated, learned)
    return stated or learned


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class Catalog:
    """Lists models once per TTL.

    A model's window: the configured override, else what the list says; a window learned
    from a context-length error caps either (the server's own refusal is the surest number).
    """

    def __init__(
        self,
        client: ModelLister,
        redis: Redis,
        prefix: str,
        *,
        ttl: int = 600,
        window_override: int | None = None,
        vision_models: frozenset[str] = frozenset(),
    ) -> None:
        self._client = client
        self._redis = redis
        self._key = f"{prefix}llm:catalog:{endpoint_id(client.base_url)}"
        self._prefix = prefix
        self._learned_key = learned_key(prefix, client.base_url)
        self._ttl = ttl
        self._override = window_override
        self._vision = vision_models  # VISION_MODELS / endpoints.toml `vision_models`: "*" is every model
        self._memo: dict[str, tuple[float, int | None]] = {}

    async def listed(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The endpoint's own list, as it states the windows. Raises ModelError when unavailable."""
        if not refresh:
            cached = await self._redis.get(self._key)
            if cached:
                return [ModelInfo(m["id"], m.get("w"), vision=m.get("v"),
                                  prices=TokenPrices(*m["p"]) if m.get("p") else None)
                        for m in json.loads(cached)]
        models = await self._client.list_models()
        payload = json.dumps([{"id": m.id, "w": m.context_window} | ({"v": m.vision} if m.vision is not None else {})
                              | ({"p": astuple(m.prices)} if m.prices else {})
                              for m in models])
        await self._redis.set(self._key, payload, ex=self._ttl)
        self._memo.clear()
        return models

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The list with the windows every part of Switchboard uses (override, learned).
        Raises ModelError when the endpoint cannot be listed."""
        listed = await self.listed(refresh=refresh)
        learned = await learned_windows(self._redis, self._prefix, self._client.base_url)
        return [replace(m, context_window=self._window(m.context_window, learned.get(m.id)),
                        vision=self._reads_images(m.id, m.vision)) for m in listed]

    def _reads_images(self, model: str, listed: bool | None) -> bool | None:
        """The operator's VISION_MODELS names a model that reads images even where the list says
        nothing (or says wrongly); otherwise the list's word, or None."""
        return True if "*" in self._vision or model in self._vision else listed

    async def vision(self, model: str) -> bool | None:
        """Whether the model reads images: True, False, or None when nobody says (or no list)."""
        info = await self._listed_entry(model)
        return self._reads_images(model, info.vision if info else None)

    def _window(self, listed: int | None, learned: int | None) -> int | None:
        return effective_window(self._override or listed, learned)

    async def _listed_entry(self, model: str) -> ModelInfo | None:
        try:
            models = await self.listed()
        except ModelError as exc:  # the list is advisory: its failure must not block a reply
            log.warning("model list unavailable while looking up %s: %s", model, exc)
            return None
        return next((m for m in models if m.id == model), None)

    async def window(self, model: str) -> int | None:
        """The model's input window in tokens, or None when nobody knows it."""
        memo = self._memo.get(model)
        if memo is not None and memo[0] > time.monotonic():
            return memo[1]
        info = await self._listed_entry(model)
        raw = await self._redis.hget(self._learned_key, model)
        window = self._window(info.context_window if info else None, int(raw) if raw else None)
        self._memo[model] = (time.monotonic() + WINDOW_MEMO_SECONDS, window)
        return window

    async def unknown_because(self, model: str) -> tuple[Unknown, str]:
        """Why nobody knows the model's window: not said, not listed, or no list (with why)."""
        try:
            models = await self.listed()
        except ModelError as exc:
            return Unknown.NO_LIST, exc.detail
        if not any(m.id == model for m in models):
            return Unknown.NOT_LISTED, ""
        return Unknown.NOT_SAID, ""

    async def learn_window(self, model: str, tokens: int) -> None:
        """Remember a window reported by a context-length error (or by the server when asked)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(self._learned_key, model, str(tokens))
            pipe.expire(self._learned_key, LEARNED_TTL)
            await pipe.execute()
        self._memo.pop(model, None)

    async def discover_window(self, model: str) -> int | None:
        """After a context error that named no window: ask the server (llama.cpp /props) and learn it."""
        tokens = await self._client.server_window()
        if tokens:
            log.info("%s runs with a %d-token window (asked after a context error)", model, tokens)
            await self.learn_window(model, tokens)
        return tokens

    async def suggest(self, model: str, *, minimum: int = 0, limit: int = 3) -> tuple[str, ...]:
        """The listed ids closest to `model`, usable ones first (empty when the list is unavailable)."""
        try:
            models = await self.models()
        except ModelError:
            return ()
        return closest_usable(model, models, minimum, limit=limit)

"""The endpoint's model list with context windows, cached in Redis for every replica."""

from __future__ import annotations

import json
import logging

from redis.asyncio import Redis

from core.llm.base import ModelClient, ModelInfo
from core.llm.errors import ModelError
from core.llm.suggest import closest

log = logging.getLogger(__name__)


class Catalog:
    """Lists models once per TTL.

    A model's window: the configured override, else the smaller of the endpoint's metadata
    and what a context-length error taught us, else whichever of the two is known.
    """

    def __init__(
        self,
        client: ModelClient,
        redis: Redis,
        prefix: str,
        *,
        ttl: int = 600,
        window_override: int | None = None,
        scope: str = "",
    ) -> None:
        self._client = client
        self._redis = redis
        suffix = f":{scope}" if scope else ""  # "" is the primary endpoint; others by name
        self._key = f"{prefix}llm:catalog{suffix}"
        self._learned_key = f"{prefix}llm:learned_window{suffix}"
        self._ttl = ttl
        self._override = window_override

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Raises ModelError when the endpoint cannot be listed."""
        if not refresh:
            cached = await self._redis.get(self._key)
            if cached:
                return [ModelInfo(m["id"], m.get("w")) for m in json.loads(cached)]
        models = await self._client.list_models()
        payload = json.dumps([{"id": m.id, "w": m.context_window} for m in models])
        await self._redis.set(self._key, payload, ex=self._ttl)
        return models

    async def find(self, model: str) -> ModelInfo | None:
        """The model's entry, or None when it is not listed (or the list is unavailable)."""
        try:
            models = await self.models()
        except ModelError as exc:  # the list is advisory: its failure must not block a reply
            log.warning("model list unavailable while looking up %s: %s", model, exc)
            return None
        return next((m for m in models if m.id == model), None)

    async def window(self, model: str) -> int | None:
        """The model's input window in tokens, or None when nobody knows it."""
        if self._override:
            return self._override
        info = await self.find(model)
        listed = info.context_window if info else None
        raw = await self._redis.hget(self._learned_key, model)
        learned = int(raw) if raw else None
        if listed and learned:
            return min(listed, learned)
        return listed or learned

    async def learn_window(self, model: str, tokens: int) -> None:
        """Remember a window reported by a context-length error."""
        await self._redis.hset(self._learned_key, model, str(tokens))
        await self._redis.expire(self._learned_key, 30 * 24 * 3600)

    async def suggest(self, model: str, limit: int = 3) -> tuple[str, ...]:
        """The listed ids closest to `model` (empty when the list is unavailable)."""
        try:
            ids = [m.id for m in await self.models()]
        except ModelError:
            return ()
        return closest(model, ids, limit=limit)

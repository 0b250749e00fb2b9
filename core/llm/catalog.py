"""The endpoint's model list with context windows, cached in Redis for every replica."""

from __future__ import annotations

import json
import logging

from redis.asyncio import Redis

from core.llm.base import ModelClient, ModelInfo

log = logging.getLogger(__name__)


class Catalog:
    """Lists models once per TTL; windows: metadata, else the configured override, else learned."""

    def __init__(
        self,
        client: ModelClient,
        redis: Redis,
        prefix: str,
        *,
        ttl: int = 600,
        window_override: int | None = None,
    ) -> None:
        self._client = client
        self._redis = redis
        self._key = f"{prefix}llm:catalog"
        self._learned_key = f"{prefix}llm:learned_window"
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

    async def window(self, model: str) -> int | None:
        """The model's input window in tokens, or None when nobody knows it."""
        if self._override:
            return self._override
        try:
            for info in await self.models():
                if info.id == model and info.context_window:
                    return info.context_window
        except Exception as exc:  # the window is advisory: a listing failure must not block a reply
            log.warning("model list unavailable while sizing %s: %s", model, exc)
        learned = await self._redis.hget(self._learned_key, model)
        return int(learned) if learned else None

    async def learn_window(self, model: str, tokens: int) -> None:
        """Remember a window reported by a context-length error."""
        await self._redis.hset(self._learned_key, model, str(tokens))

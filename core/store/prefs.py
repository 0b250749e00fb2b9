"""Per-user model choice, kept apart from history so /reset does not forget it."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys


class ModelChoices:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, platform: str, user_id: str) -> str | None:
        raw = await self._redis.get(self._keys.model_choice(platform, user_id))
        if not raw:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def set(self, platform: str, user_id: str, model: str) -> None:
        await self._redis.set(self._keys.model_choice(platform, user_id), model)

"""Per-user model choice, kept apart from history so /reset does not forget it, and the few
models the user switched to lately (the /model listing shows them first)."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys

RECENT_KEPT = 5


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class ModelChoices:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, platform: str, user_id: str) -> str | None:
        raw = await self._redis.get(self._keys.model_choice(platform, user_id))
        return _text(raw) if raw else None

    async def set(self, platform: str, user_id: str, model: str) -> None:
        """Switches the user's model and puts it first among their recent ones."""
        recent = self._keys.recent_models(platform, user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.model_choice(platform, user_id), model)
            pipe.lrem(recent, 0, model)
            pipe.lpush(recent, model)
            pipe.ltrim(recent, 0, RECENT_KEPT - 1)
            await pipe.execute()

    async def recent(self, platform: str, user_id: str) -> list[str]:
        """The models the user switched to lately, newest first."""
        return [_text(m) for m in await self._redis.lrange(self._keys.recent_models(platform, user_id), 0, -1)]

"""What an admin set for one chat: its default model (/chatmodel) and system prompt (/prompt).

Read with the rest of a reply's context (core/store/context.py); written and shown here.
"""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.keys import Keys


class ChatSettings:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def model(self, platform: str, chat_id: str) -> str | None:
        return _text(await self._redis.get(self._keys.chat_model(platform, chat_id)))

    async def set_model(self, platform: str, chat_id: str, model: str | None) -> None:
        """None: the chat goes back to MODEL_NAME."""
        await self._set(self._keys.chat_model(platform, chat_id), model)

    async def prompt(self, platform: str, chat_id: str) -> str | None:
        return _text(await self._redis.get(self._keys.chat_prompt(platform, chat_id)))

    async def set_prompt(self, platform: str, chat_id: str, prompt: str | None) -> None:
        """None: the chat goes back to SYSTEM_PROMPT."""
        await self._set(self._keys.chat_prompt(platform, chat_id), prompt)

    async def _set(self, key: str, value: str | None) -> None:
        if value is None:
            await self._redis.delete(key)
        else:
            await self._redis.set(key, value)


def _text(raw: bytes | str | None) -> str | None:
    return raw.decode() if isinstance(raw, bytes) else raw

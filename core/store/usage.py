"""Token and request counters per platform user."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys


@dataclass(frozen=True)
class UsageTotals:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class UsageCounters:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, platform: str, user_id: str) -> UsageTotals:
        raw = await self._redis.hgetall(self._keys.usage(platform, user_id))
        values = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}
        return UsageTotals(values.get("requests", 0), values.get("input", 0), values.get("output", 0))

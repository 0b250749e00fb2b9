"""Small builders shared by tests."""

from __future__ import annotations

import asyncio
import itertools

from redis.asyncio import Redis

from core.types import Inbound

_ids = itertools.count(1)


def inbound(text: str, *, user: str = "alice", chat: str | None = None, platform: str = "memory",
            event_id: str | None = None, is_direct: bool = True, **extra: object) -> Inbound:
    return Inbound(
        platform=platform,
        event_id=event_id or f"ev{next(_ids)}",
        chat_id=chat or f"chat-{user}",
        user_id=user,
        text=text,
        is_direct=is_direct,
        **extra,  # type: ignore[arg-type]
    )


async def stored(redis: Redis, pattern: str, timeout: float = 5.0) -> None:
    """Until a key matching `pattern` exists: for state written by a clock (a lease renewal
    carries a reply's checkpoint), which no event announces."""
    async with asyncio.timeout(timeout):
        while True:
            async for _ in redis.scan_iter(match=pattern):  # SCAN: every node of a cluster
                return
            await asyncio.sleep(0.02)  # polling Redis: nothing else to await

"""Small builders shared by tests."""

from __future__ import annotations

import itertools

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

"""Updates of one chat reach the gateway in the order Telegram sent them.

aiogram handles every update in its own task, and the way to the gateway has awaits in it
(a typing action, Redis round trips), so two quick messages could overtake each other.
Chats still run in parallel: only updates of the same chat wait for each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class ChatOrder:
    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    async def run(self, chat: str, work: Callable[[], Awaitable[None]]) -> None:
        """Runs `work` after every earlier call for `chat`; call it before any other await."""
        before = self._tails.get(chat)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat] = mine
        try:
            if before is not None:
                await asyncio.shield(before)
            await work()
        finally:
            mine.set_result(None)
            if self._tails.get(chat) is mine:
                del self._tails[chat]

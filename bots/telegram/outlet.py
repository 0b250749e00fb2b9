"""Send-then-edit streaming (groups, or private chats with drafts off): Telegram's MessageOps.

The core's PagedOutlet does the paging, pacing and 429 retries over these four calls.
While streaming a page goes out plain; once it is complete (or the reply is final) it is
edited into its formatted form, so a half-written Markdown entity can never be rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

from bots.telegram.keyboards import keyboard
from bots.telegram.sender import ChatSender
from core.types import Choice


class TelegramOps:
    def __init__(self, sender: ChatSender) -> None:
        self._sender = sender

    async def send(self, text: str, *, final: bool) -> str:
        return str(await self._sender.send(text, styled=final))

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        await self._sender.edit(int(message_id), text, styled=final)

    async def delete(self, message_id: str) -> None:
        await self._sender.delete(int(message_id))

    def continues(self, message_ids: Sequence[str]) -> None:
        self._sender.continuing()

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        # The core writes notices as plain lines; model ids with "_" or "*" must stay literal.
        await self._sender.send(text, styled=False, markup=keyboard(choices))

    async def typing(self) -> None:
        await self._sender.typing()

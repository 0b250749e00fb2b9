"""Send-then-edit streaming (groups, or private chats with drafts off): Telegram's MessageOps.

The core's PagedOutlet does the paging, pacing and 429 retries over these four calls.
While streaming a page goes out plain, with a Stop button under it; once it is complete (or
the reply is final) it is edited into its formatted form and the button goes, so a
half-written Markdown entity can never be rejected. A final page with a table becomes a rich
message where Telegram accepts one.
"""

from __future__ import annotations

from collections.abc import Sequence

from bots.telegram.keyboards import keyboard, stop_keyboard
from bots.telegram.rich import has_table
from bots.telegram.sender import ChatSender
from core.types import Choice


class TelegramOps:
    def __init__(self, sender: ChatSender) -> None:
        self._sender = sender
        self._stop = stop_keyboard()

    async def send(self, text: str, *, final: bool) -> str:
        if final and self._sender.rich and has_table(text):
            sent = await self._sender.send_rich(text)
            if sent is not None:
                return str(sent)
        return str(await self._sender.send(text, styled=final, markup=None if final else self._stop))

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        if final and self._sender.rich and has_table(text) and await self._sender.edit_rich(int(message_id), text):
            return
        await self._sender.edit(int(message_id), text, styled=final, markup=None if final else self._stop)

    async def delete(self, message_id: str) -> None:
        await self._sender.delete(int(message_id))

    def continues(self, message_ids: Sequence[str]) -> None:
        self._sender.continuing()

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        # The core writes notices as plain lines; model ids with "_" or "*" must stay literal.
        await self._sender.send(text, styled=False, markup=keyboard(choices))

    async def typing(self) -> None:
        await self._sender.typing()

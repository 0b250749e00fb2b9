"""Native draft streaming for private chats: sendMessageDraft while writing, sendMessage at the end.

A draft is a preview that vanishes, so every page must still be sent with sendMessage.
One non-zero draft_id animates the whole reply. When the text outgrows a page, the
finished pages are sent at once (formatted) and drafting goes on with the tail. Every
call waits for the chat's budget, the same one the send/edit outlet uses. The draft id and
the pages sent are checkpointed, so a replica that takes the reply over drafts on in the
same bubble and edits the same messages.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bots.telegram.errors import DraftsUnavailable
from bots.telegram.keyboards import keyboard
from bots.telegram.sender import ChatSender
from core.reply.checkpoint import DETACHED, ReplyCheckpoint
from core.reply.retry_after import attempt, paced, until_done
from core.reply.split import split_pages
from core.store.pacing import ChatPacer
from core.types import Choice, Limits

log = logging.getLogger(__name__)


@dataclass
class _Sent:
    message_id: int
    text: str


def new_draft_id() -> int:
    return secrets.randbelow(2**31 - 1) + 1  # any non-zero int32; one per reply


class DraftOutlet:
    def __init__(self, sender: ChatSender, limits: Limits, pacer: ChatPacer, *,
                 on_unavailable: Callable[[], None] = lambda: None) -> None:
        self.limits = limits
        self._sender = sender
        self._pacer = pacer
        self._draft_id = new_draft_id()
        self._sent: list[_Sent] = []
        self._drafted = ""
        self._drafting = True
        self._on_unavailable = on_unavailable
        self._checkpoint = DETACHED

    def snapshot(self) -> dict[str, Any]:
        return {"draft": self._draft_id, "sent": [[m.message_id, m.text] for m in self._sent]}

    def resume(self, checkpoint: ReplyCheckpoint, saved: Mapping[str, Any] | None) -> None:
        self._checkpoint = checkpoint
        if not saved:
            return
        self._draft_id = int(saved.get("draft") or self._draft_id)
        self._sent = [_Sent(int(m[0]), str(m[1])) for m in saved.get("sent") or []]
        if self._sent:
            self._sender.continuing()

    async def typing(self) -> None:
        await self._sender.typing()

    async def show(self, text: str) -> None:
        """One paced step; on a 429 the budget pauses and the next show carries the text."""
        pages = split_pages(text, self.limits.max_chars)

        async def step() -> None:
            await self._deliver(pages[:-1])
            await self._draft(pages[-1])

        await attempt(self._pacer, step)

    async def finish(self, text: str) -> None:
        pages = split_pages(text, self.limits.max_chars)
        await until_done(self._pacer, lambda: self._deliver(pages))
        while len(self._sent) > len(pages):  # an earlier attempt's answer was longer
            delete = functools.partial(self._sender.delete, self._sent[-1].message_id)
            await until_done(self._pacer, paced(self._pacer, delete))
            self._sent.pop()
            self._checkpoint.touched()

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        async def send() -> None:
            await self._sender.send(text, styled=False, markup=keyboard(choices))

        await until_done(self._pacer, paced(self._pacer, send))

    async def _deliver(self, pages: Sequence[str]) -> None:
        """Makes the chat hold `pages` as real, formatted messages."""
        for index, page in enumerate(pages):
            if index < len(self._sent):
                sent = self._sent[index]
                if sent.text != page:  # a failover restarted the answer
                    await self._pacer.wait_turn()
                    await self._sender.edit(sent.message_id, page, styled=True)
                    sent.text = page
                    self._checkpoint.touched()
                continue
            await self._pacer.wait_turn()
            self._sent.append(_Sent(await self._sender.send(page, styled=True), page))
            await self._checkpoint.created()

    async def _draft(self, tail: str) -> None:
        if not self._drafting or not tail.strip() or tail == self._drafted:
            return
        await self._pacer.wait_turn()
        try:
            await self._sender.draft(self._draft_id, tail)
        except DraftsUnavailable as exc:
            log.warning("sendMessageDraft refused (%s); this reply arrives when complete", exc)
            self._drafting = False
            self._on_unavailable()
            return
        if not self._drafted:
            self._checkpoint.touched()  # the draft id: saved with the next lease renewal
        self._drafted = tail

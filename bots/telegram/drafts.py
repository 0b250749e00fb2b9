"""Native draft streaming for private chats: sendMessageDraft while writing, sendMessage at the end.

A draft is a preview that vanishes, so every page must still be sent with sendMessage.
One non-zero draft_id animates the whole reply; each draft carries Telegram's Stop button
(the adapter turns a press into the core's /stop). When the text outgrows a page, the
finished pages are sent at once (formatted) and drafting goes on with the tail — unless
the whole answer may still become one rich message (a table, or longer than a page): then
it is sent as one at the end, and as pages only if Telegram refuses it. Every call waits
for the chat's budget, the same one the send/edit outlet uses. The draft id and
the pages sent are checkpointed, so a replica that takes the reply over drafts on in the
same bubble and edits the same messages.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bots.telegram.errors import DraftsUnavailable
from bots.telegram.keyboards import keyboard
from bots.telegram.rich import fits, worth_it
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


class FinishedDrafts:
    """The drafts whose answer this process finished (the latest few thousand): a Stop pressed
    on one of them that arrives late must not stop the answer after it."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, draft_id: int) -> None:
        self._ids[draft_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __contains__(self, draft_id: object) -> bool:
        return draft_id in self._ids


class DraftOutlet:
    def __init__(self, sender: ChatSender, limits: Limits, pacer: ChatPacer, *,
                 on_unavailable: Callable[[], None] = lambda: None, finished: FinishedDrafts | None = None) -> None:
        self.limits = limits
        self._sender = sender
        self._pacer = pacer
        self._draft_id = new_draft_id()
        self._sent: list[_Sent] = []
        self._drafted = ""
        self._drafting = True
        self._rich_tried = False
        self._on_unavailable = on_unavailable
        self._finished = finished if finished is not None else FinishedDrafts()
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
        held = self._sender.rich and not self._sent and fits(text)  # it may end as one rich message

        async def step() -> None:
            if not held:
                await self._deliver(pages[:-1])
            await self._draft(pages[-1])

        await attempt(self._pacer, step)

    async def finish(self, text: str) -> None:
        pages = split_pages(text, self.limits.max_chars)

        async def deliver() -> None:
            if not self._rich_tried and not self._sent and self._sender.rich and worth_it(text):
                await self._pacer.wait_turn()
                message_id = await self._sender.send_rich(text)
                if message_id is not None:
                    self._sent = [_Sent(message_id, text)]
                    self._checkpoint.touched()
                    return
                self._rich_tried = True  # refused: this answer goes as pages, also when a 429 retries it
            await self._deliver(pages)

        await until_done(self._pacer, deliver)
        rich = len(self._sent) == 1 and self._sent[0].text == text and len(pages) > 1
        while not rich and len(self._sent) > len(pages):  # an earlier attempt's answer was longer
            delete = functools.partial(self._sender.delete, self._sent[-1].message_id)
            await until_done(self._pacer, paced(self._pacer, delete))
            self._sent.pop()
            self._checkpoint.touched()
        self._finished.add(self._draft_id)

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

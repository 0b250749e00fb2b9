"""An Outlet built from two platform calls, send and edit: paging, pacing and 429s handled here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.reply.retry_after import attempt, paced, until_done
from core.reply.split import split_pages
from core.store.pacing import ChatPacer
from core.types import Choice, Limits


class MessageOps(Protocol):
    """The platform calls an adapter provides; each may raise PlatformRetryAfter."""

    async def send(self, text: str, *, final: bool) -> str:
        """Post a new message; returns its id. `final` asks for platform formatting."""

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        """Replace a message's text ("not modified" must count as success)."""

    async def notice(self, text: str, choices: Sequence[Choice]) -> None: ...

    async def typing(self) -> None: ...


@dataclass
class _Page:
    message_id: str
    text: str
    final: bool


class PagedOutlet:
    """Shows a growing reply as a series of messages no longer than the platform allows."""

    def __init__(self, ops: MessageOps, limits: Limits, pacer: ChatPacer) -> None:
        self.limits = limits
        self._ops = ops
        self._pacer = pacer
        self._pages: list[_Page] = []

    async def typing(self) -> None:
        await self._ops.typing()

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        await until_done(self._pacer, paced(self._pacer, lambda: self._ops.notice(text, choices)))

    async def show(self, text: str) -> None:
        """One paced attempt; on a 429 the budget pauses and the next show carries the text."""
        pages = split_pages(text, self.limits.max_chars)
        await attempt(self._pacer, lambda: self._sync(pages, final=False))

    async def finish(self, text: str) -> None:
        """Delivers every page formatted; retries through 429s until all of it is there."""
        pages = split_pages(text, self.limits.max_chars)
        await until_done(self._pacer, lambda: self._sync(pages, final=True))

    async def _sync(self, pages: list[str], *, final: bool) -> None:
        """Bring the chat's messages in line with `pages`; earlier pages are complete, so final."""
        for index, text in enumerate(pages):
            page_final = final or index < len(pages) - 1
            if index < len(self._pages):
                page = self._pages[index]
                if page.text == text and (page.final or not page_final):
                    continue
                await self._pacer.wait_turn()
                await self._ops.edit(page.message_id, text, final=page_final)
                page.text, page.final = text, page_final
            else:
                await self._pacer.wait_turn()
                message_id = await self._ops.send(text, final=page_final)
                self._pages.append(_Page(message_id, text, page_final))

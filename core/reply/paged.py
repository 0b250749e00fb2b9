"""An Outlet built from two platform calls, send and edit: paging, pacing and 429s handled here.

It is also what makes a reply survive its replica for every adapter built on it: the pages
(message ids and the text each shows) are checkpointed as they change, and an outlet resumed
from a checkpoint edits those messages instead of sending new ones.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.reply.checkpoint import DETACHED, ReplyCheckpoint
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

    async def delete(self, message_id: str) -> None:
        """Remove a message (a continued reply came out shorter than the one it replaces)."""

    def continues(self, message_ids: Sequence[str]) -> None:
        """These messages of the reply exist already (sent by an earlier attempt, maybe another
        replica): the next send is not the reply's first (no quote), an original is filled."""

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
        self._checkpoint = DETACHED
        self._resumed_chars = 0  # what a resumed reply showed: previews shorter than that wait

    # -- Resumable ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {"pages": [[p.message_id, p.text, p.final] for p in self._pages]}

    def resume(self, checkpoint: ReplyCheckpoint, saved: Mapping[str, Any] | None) -> None:
        self._checkpoint = checkpoint
        pages = (saved or {}).get("pages") or []
        self._pages = [_Page(str(p[0]), str(p[1]), bool(p[2])) for p in pages]
        self._resumed_chars = sum(len(p.text) for p in self._pages)
        if self._pages:
            self._ops.continues([p.message_id for p in self._pages])

    # -- Outlet ------------------------------------------------------------------------------

    async def typing(self) -> None:
        await self._ops.typing()

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        await until_done(self._pacer, paced(self._pacer, lambda: self._ops.notice(text, choices)))

    async def show(self, text: str) -> None:
        """One paced attempt; on a 429 the budget pauses and the next show carries the text."""
        if len(text) < self._resumed_chars:
            return  # a continued reply: the chat keeps the longer text until the new one catches up
        self._resumed_chars = 0
        pages = split_pages(text, self.limits.max_chars)
        await attempt(self._pacer, lambda: self._sync(pages, final=False))

    async def finish(self, text: str) -> None:
        """Delivers every page formatted; retries through 429s until all of it is there."""
        pages = split_pages(text, self.limits.max_chars)
        await until_done(self._pacer, lambda: self._sync(pages, final=True))
        await self._drop_extra(len(pages))

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
                self._checkpoint.touched()
            else:
                await self._pacer.wait_turn()
                message_id = await self._ops.send(text, final=page_final)
                self._pages.append(_Page(message_id, text, page_final))
                await self._checkpoint.created()

    async def _drop_extra(self, keep: int) -> None:
        """Pages an earlier attempt showed beyond the final answer's length are removed."""
        while len(self._pages) > keep:
            delete = functools.partial(self._ops.delete, self._pages[-1].message_id)
            await until_done(self._pacer, paced(self._pacer, delete))
            self._pages.pop()
            self._checkpoint.touched()

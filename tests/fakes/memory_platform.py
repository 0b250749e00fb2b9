"""An in-memory platform for driving the core without any chat service.

Its outlet is the real PagedOutlet over recording send/edit calls, so paging, pacing
and 429 handling are the production code paths.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.outlet import PlatformRetryAfter
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import Choice, Inbound, Limits


@dataclass
class Sent:
    chat_id: str
    message_id: str
    text: str
    final: bool
    edits: list[str] = field(default_factory=list)


@dataclass
class Notice:
    chat_id: str
    text: str
    choices: tuple[Choice, ...]


class MemoryPlatform:
    """Records every call; `retry_after` queues 429s for the next calls."""

    def __init__(self, name: str = "memory", limits: Limits | None = None) -> None:
        self.name = name
        self.limits = limits or Limits(max_chars=4096, min_edit_interval=0.0)
        self.messages: dict[str, Sent] = {}
        self.order: list[str] = []  # message ids in send order
        self.notices: list[Notice] = []
        self.calls: list[tuple[str, str, float]] = []  # (op, chat, monotonic time)
        self.retry_after: list[float] = []
        self.denied_users: set[str] = set()
        self.typing_count = 0
        self._ids = itertools.count(1)
        self.changed = asyncio.Condition()

    def limits_for(self, inbound: Inbound) -> Limits:
        return self.limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return inbound.user_id not in self.denied_users

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer) -> PagedOutlet:
        return PagedOutlet(_Ops(self, inbound.chat_id), self.limits, pacer)

    def final_texts(self, chat_id: str) -> list[str]:
        return [self.messages[m].text for m in self.order if self.messages[m].chat_id == chat_id]

    async def wait_for(self, predicate: object, timeout: float = 10.0) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout)  # type: ignore[arg-type]

    async def _record(self, op: str, chat_id: str) -> None:
        self.calls.append((op, chat_id, asyncio.get_running_loop().time()))
        if self.retry_after and op in ("send", "edit"):
            raise PlatformRetryAfter(self.retry_after.pop(0))

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()


class _Ops:
    def __init__(self, platform: MemoryPlatform, chat_id: str) -> None:
        self.p = platform
        self.chat_id = chat_id

    async def send(self, text: str, *, final: bool) -> str:
        await self.p._record("send", self.chat_id)
        message_id = str(next(self.p._ids))
        self.p.messages[message_id] = Sent(self.chat_id, message_id, text, final)
        self.p.order.append(message_id)
        await self.p._notify()
        return message_id

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        await self.p._record("edit", self.chat_id)
        sent = self.p.messages[message_id]
        sent.edits.append(text)
        sent.text, sent.final = text, final
        await self.p._notify()

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        await self.p._record("notice", self.chat_id)
        self.p.notices.append(Notice(self.chat_id, text, tuple(choices)))
        await self.p._notify()

    async def typing(self) -> None:
        self.p.typing_count += 1
        await self.p._notify()

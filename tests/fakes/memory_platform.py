"""An in-memory platform for driving the core without any chat service.

Its outlet is the real PagedOutlet over recording send/edit calls, so paging, pacing
and 429 handling are the production code paths. The call log, injected 429s and
``wait_for`` are the ones every fake shares (``tests/fakes/base.py``); it has no socket.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.outlet import AttachmentTooLarge, AttachmentUnavailable, PlatformRetryAfter
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Choice, Inbound, Limits
from tests.fakes.base import Recorder

Record = tuple[str, str, float]  # (op, chat, event-loop time)
WRITE = "write"  # the fault target: a send or an edit


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


class MemoryPlatform(Recorder[Record, float]):
    """Records every call; `retry_next` makes the next sends/edits answer 429."""

    def __init__(self, name: str = "memory", limits: Limits | None = None) -> None:
        super().__init__()
        self.name = name
        self.limits = limits or Limits(max_chars=4096, min_edit_interval=0.0)
        self.messages: dict[str, Sent] = {}
        self.order: list[str] = []  # message ids in send order
        self.notices: list[Notice] = []
        self.denied_users: set[str] = set()
        self.has_allowlist = False  # True: ACCESS_POLICY=allowlist/pairing let in all but denied_users
        self.typing_count = 0
        self.facts: list[AnswerFacts] = []  # what the core said about each answer it asked an outlet for
        self.files: dict[str, bytes] = {}  # attachment ref -> bytes `fetch` gives
        self.fetched: list[str] = []  # refs downloaded, in order
        self.continued: list[str] = []  # message ids an outlet was resumed with
        self.notice_gate: asyncio.Event | None = None  # set to an Event: notices wait for it
        self._ids = itertools.count(1)

    def limits_for(self, inbound: Inbound) -> Limits:
        return self.limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return inbound.user_id not in self.denied_users

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> PagedOutlet:
        if facts is not None:
            self.facts.append(facts)
        return PagedOutlet(_Ops(self, inbound.chat_id), self.limits, pacer)

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        self.fetched.append(attachment.ref)
        if attachment.ref not in self.files:
            raise AttachmentUnavailable(f"no file {attachment.ref!r}")
        data = self.files[attachment.ref]
        if len(data) > max_bytes:
            raise AttachmentTooLarge(max_bytes)
        return data

    def final_texts(self, chat_id: str) -> list[str]:
        return [self.messages[m].text for m in self.order if self.messages[m].chat_id == chat_id]

    def retry_next(self, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` sends or edits are refused with a 429 asking to wait ``seconds``."""
        self.inject(WRITE, seconds, times=times)

    def _record(self, op: str, chat_id: str) -> None:
        self.record((op, chat_id, asyncio.get_running_loop().time()))
        if op in ("send", "edit") and (seconds := self.take_fault(WRITE)) is not None:
            raise PlatformRetryAfter(seconds)


class _Ops:
    def __init__(self, platform: MemoryPlatform, chat_id: str) -> None:
        self.p = platform
        self.chat_id = chat_id

    async def send(self, text: str, *, final: bool) -> str:
        self.p._record("send", self.chat_id)
        message_id = str(next(self.p._ids))
        self.p.messages[message_id] = Sent(self.chat_id, message_id, text, final)
        self.p.order.append(message_id)
        self.p.bump()
        return message_id

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        self.p._record("edit", self.chat_id)
        sent = self.p.messages[message_id]
        sent.edits.append(text)
        sent.text, sent.final = text, final
        self.p.bump()

    async def delete(self, message_id: str) -> None:
        self.p._record("delete", self.chat_id)
        self.p.messages.pop(message_id, None)
        self.p.order.remove(message_id)
        self.p.bump()

    def continues(self, message_ids: Sequence[str]) -> None:
        self.p.continued.extend(message_ids)

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        if self.p.notice_gate is not None:
            await self.p.notice_gate.wait()
        self.p._record("notice", self.chat_id)
        self.p.notices.append(Notice(self.chat_id, text, tuple(choices)))
        self.p.bump()

    async def typing(self) -> None:
        self.p.typing_count += 1
        self.p.bump()

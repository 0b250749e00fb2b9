"""The seam between the core and an adapter: where a reply goes, and how fast it may."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from core.reply.checkpoint import ReplyCheckpoint
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Choice, Inbound, Limits


class PlatformRetryAfter(Exception):
    """An adapter's platform said "too many requests, retry after N seconds" (a 429), or, with
    `asked=False`, our own pause after a network error (not counted as the platform's 429)."""

    def __init__(self, seconds: float, *, asked: bool = True) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds
        self.asked = asked


class AttachmentTooLarge(Exception):
    """The file is over the size the core asked for (found while downloading, or the platform
    itself refuses files that big); `size` is None when nobody knows how big it is."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        super().__init__(f"over {limit} bytes" + (f" ({size} bytes)" if size is not None else ""))
        self.limit = limit
        self.size = size


class AttachmentUnavailable(Exception):
    """The platform did not give the file (gone, no permission, network): the message is for the log."""


class Outlet(Protocol):
    """One reply's destination. The core decides when to call; the adapter decides how."""

    limits: Limits

    async def typing(self) -> None:
        """Show that an answer is coming (may do nothing); called until text appears."""

    async def show(self, text: str) -> None:
        """The reply so far (whole text, not a delta): draft, send or edit."""

    async def finish(self, text: str) -> None:
        """The final text, formatted for the platform, split into messages as needed."""

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        """A short system line (command answer, error), optionally with buttons."""


@runtime_checkable
class Resumable(Protocol):
    """An outlet whose platform state (message ids, the text each shows, a draft or stream id)
    can be checkpointed, so the replica that takes a conversation over continues the same
    messages instead of sending new ones beside a half-answer."""

    def snapshot(self) -> dict[str, Any]:
        """The state another replica needs to continue this reply (JSON-serialisable)."""

    def resume(self, checkpoint: ReplyCheckpoint, saved: Mapping[str, Any] | None) -> None:
        """Continue from `saved` (a snapshot an earlier attempt left), and report changes to
        `checkpoint` from now on."""


class PlatformBinding(Protocol):
    """What the core needs from a platform to answer a message it did not receive itself."""

    name: str

    def limits_for(self, inbound: Inbound) -> Limits: ...

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        """A fresh outlet for one reply; `facts` when it carries an answer (None: a notice)."""

    def is_allowed(self, inbound: Inbound) -> bool:
        """The platform's own allowlists admit the sender (everyone, when none is set)."""

    @property
    def has_allowlist(self) -> bool:
        """Some allowlist is set: ACCESS_POLICY=allowlist and pairing let in only whom it names."""

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        """The file's bytes, with the platform's own client and credentials.

        Raises AttachmentTooLarge past `max_bytes` (without reading further), or
        AttachmentUnavailable when the platform does not give it.
        """
        ...

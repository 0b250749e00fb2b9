"""Platform-neutral values that flow between adapters and the core."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
SessionScope = Literal["user", "chat", "thread"]
# What the platform says a sent file is: a photo, a voice note or audio, or any other file.
AttachmentKind = Literal["image", "audio", "file"]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, by reference: the answering replica downloads it through the
    platform binding (`PlatformBinding.fetch`), so no bytes are ever queued or stored."""

    kind: AttachmentKind
    ref: str  # what the platform fetches it by: a Telegram file_id, a Discord CDN or Slack url_private
    name: str = ""  # the file name as sent ("" for a photo or a voice note)
    mime: str = ""  # the MIME type the platform states ("" when it does not)
    size: int | None = None  # bytes, as the platform states them (None when it does not)


@dataclass(frozen=True)
class SenderFacts:
    """What access rules may read about the sender besides ids (allowlists by @username,
    role, or a thread's parent channel). Only the receiving replica checks access."""

    username: str = ""  # Telegram @username, without "@"
    roles: tuple[str, ...] = ()  # Discord role ids
    parent_chat: str = ""  # the channel a thread belongs to: a channel's allowlist covers its threads


@dataclass(frozen=True)
class Inbound:
    """One user message as every adapter hands it to the core.

    Queued as JSON, so any replica can answer it: everything that replica needs is the ids
    and `reply_route`; `sender` is read only by the access step of the replica that received it.
    """

    platform: str  # "telegram" | "discord" | "slack" | "console"
    event_id: str  # the platform's own id, used for dedupe
    chat_id: str
    user_id: str
    text: str
    thread_id: str | None = None
    is_direct: bool = False  # DM / private chat
    user_name: str = ""
    # Where and how to answer, beyond chat and thread: the message a reply quotes, an
    # interaction token, a Slack thread ts or response_url... Strings only, so it serialises.
    reply_route: Mapping[str, str] = field(default_factory=dict)
    sender: SenderFacts = field(default_factory=SenderFacts)
    attachments: tuple[Attachment, ...] = ()  # photos, voice notes, files: references only
    received_at: float = 0.0  # wall clock when the gateway took it in (metrics: time to the reply)

    def to_json(self) -> str:
        data = asdict(self)
        data["reply_route"] = dict(self.reply_route)
        if not self.attachments:
            del data["attachments"]  # most messages have none: keep the queued JSON as it was
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Inbound:
        data: dict[str, Any] = json.loads(raw)
        sender = data.pop("sender", None) or {}
        sender["roles"] = tuple(sender.get("roles", ()))
        attachments = tuple(Attachment(**a) for a in data.pop("attachments", None) or ())
        return cls(**data, sender=SenderFacts(**sender), attachments=attachments)


@dataclass(frozen=True)
class Limits:
    """What a platform allows one reply; the core paces and splits by these."""

    max_chars: int  # longest single message the platform accepts
    min_edit_interval: float  # seconds per update to one chat at the sustained rate (the per-chat budget)
    burst: int = 1  # updates a rested chat may take at once (the budget's bucket size)


@dataclass(frozen=True)
class Choice:
    """A button the adapter may render under a notice; tapping it sends `command`."""

    label: str
    command: str


@dataclass(frozen=True)
class AnswerFacts:
    """What the core knows about an answer when it asks for the answer's outlet (notices get none)."""

    model: str = ""  # the model asked to answer: feedback buttons name it
    first: bool = False  # the conversation's first answer: a Slack assistant thread is titled from it


@dataclass(frozen=True)
class ConversationKey:
    """Whose memory a message belongs to, after the session scope is applied."""

    platform: str
    chat_id: str
    thread_id: str
    user_id: str

    @classmethod
    def for_inbound(cls, inbound: Inbound, scope: SessionScope) -> ConversationKey:
        thread = inbound.thread_id or ""
        if scope == "chat":
            return cls(inbound.platform, inbound.chat_id, "", "")
        if scope == "thread":
            return cls(inbound.platform, inbound.chat_id, thread, "")
        return cls(inbound.platform, inbound.chat_id, thread, inbound.user_id)

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}:{self.thread_id}:{self.user_id}"


@dataclass(frozen=True)
class Turn:
    """One stored message of a conversation."""

    role: Role
    text: str
    ts: float
    tokens: int

    def to_json(self) -> str:
        return json.dumps(
            {"r": self.role, "t": self.text, "ts": round(self.ts, 3), "n": self.tokens},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Turn:
        d = json.loads(raw)
        return cls(role=d["r"], text=d["t"], ts=float(d["ts"]), tokens=int(d["n"]))

"""Platform-neutral values that flow between adapters and the core."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
SessionScope = Literal["user", "chat", "thread"]


@dataclass(frozen=True)
class Inbound:
    """One user message as every adapter hands it to the core."""

    platform: str  # "telegram" | "discord" | "slack" | "console"
    event_id: str  # the platform's own id, used for dedupe
    chat_id: str
    user_id: str
    text: str
    thread_id: str | None = None
    is_direct: bool = False  # DM / private chat
    addressed: bool = True  # mentioned, replied to, slash command or DM
    user_name: str = ""
    # Whatever the adapter needs to rebuild an Outlet in another process
    # (message id to reply to, interaction token, ...): strings only, so it serialises.
    reply_ref: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["reply_ref"] = dict(self.reply_ref)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Inbound:
        data: dict[str, Any] = json.loads(raw)
        return cls(**data)


@dataclass(frozen=True)
class Limits:
    """What a platform allows one reply; the core paces and splits by these."""

    max_chars: int  # longest single message the platform accepts
    min_edit_interval: float  # seconds per update to one chat at the sustained rate (the per-chat budget)
    can_edit: bool = True  # False: only the final text is sent (no streaming edits)
    burst: int = 1  # updates a rested chat may take at once (the budget's bucket size)


@dataclass(frozen=True)
class Choice:
    """A button the adapter may render under a notice; tapping it sends `command`."""

    label: str
    command: str


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

"""A streaming reply's platform state, kept in Redis so another replica can continue it.

The outlet reports; this object decides when it is written: at once when a new platform
message exists (its id must never be lost: the next holder would send a second message),
otherwise with the next lease renewal, which is a write the holder makes anyway.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

State = dict[str, Any]
Save = Callable[[str, str], Awaitable[None]]  # (conversation, encoded checkpoint)


def encode(event_id: str, state: Mapping[str, Any]) -> str:
    return json.dumps({"e": event_id, "s": state}, ensure_ascii=False, separators=(",", ":"))


def decode(raw: bytes | str | None, event_id: str) -> State | None:
    """The saved state, if it belongs to this message (a stale or unreadable one is ignored)."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("e") != event_id or not isinstance(data.get("s"), dict):
        return None
    state: State = data["s"]
    return state


class ReplyCheckpoint:
    """One reply's checkpoint. `saved` is what an earlier attempt left (in Redis, or in this
    process when Redis went away mid-reply); the outlet resumes from it and reports here."""

    def __init__(self, conv: str, event_id: str, save: Save | None) -> None:
        self.conv = conv
        self.event_id = event_id
        self._save = save
        self.saved: State | None = None
        self._snapshot: Callable[[], State] | None = None
        self._dirty = False

    def found(self, raw: bytes | str | None) -> None:
        """What Redis holds for this conversation; state kept in this process is newer."""
        if self.saved is None:
            self.saved = decode(raw, self.event_id)

    def attach(self, snapshot: Callable[[], State]) -> None:
        """The outlet whose state this is (its snapshot is taken when saving)."""
        self._snapshot = snapshot

    async def created(self) -> None:
        """A new platform message exists: saved now."""
        blob = self.latest()
        if blob is not None and self._save is not None:
            await self._save(self.conv, blob)
            self._dirty = False

    def touched(self) -> None:
        """A message's text changed: saved with the next lease renewal."""
        self._dirty = True

    def pending(self) -> str | None:
        """The state to save with a lease renewal, if it changed since the last save."""
        if not self._dirty:
            return None
        self._dirty = False
        return self.latest()

    def latest(self) -> str | None:
        """The newest state known here, encoded (None: nothing was shown yet)."""
        if self._snapshot is not None:
            return encode(self.event_id, self._snapshot())
        return encode(self.event_id, self.saved) if self.saved is not None else None

    def carry_over(self) -> None:
        """The attempt ended before its reply did: the next attempt here resumes from its state."""
        if self._snapshot is not None:
            self.saved = self._snapshot()
            self._snapshot = None


DETACHED = ReplyCheckpoint("", "", None)  # outlets nobody resumes report here; nothing is saved

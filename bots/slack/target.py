"""Where one reply goes, rebuilt from an Inbound's reply_route (so any process can answer it)."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Inbound

PLATFORM = "slack"
# reply_route keys: strings only, so an Inbound serialises whole into the conversation queue.
CHANNEL = "channel"
THREAD_TS = "thread_ts"  # the thread replies go to; "" for a top-level reply
MESSAGE_TS = "ts"  # the user's own message ("" for slash commands and buttons)
TEAM = "team"  # the user's team: startStream's recipient_team_id outside DMs
RESPONSE_URL = "response_url"  # slash commands and buttons: notices go back privately through it


@dataclass(frozen=True)
class ReplyTarget:
    channel: str
    thread_ts: str | None
    user: str
    team: str
    message_ts: str
    response_url: str
    is_direct: bool

    @classmethod
    def of(cls, inbound: Inbound) -> ReplyTarget:
        ref = inbound.reply_route
        return cls(
            channel=ref.get(CHANNEL) or inbound.chat_id,
            thread_ts=ref.get(THREAD_TS) or None,
            user=inbound.user_id,
            team=ref.get(TEAM, ""),
            message_ts=ref.get(MESSAGE_TS, ""),
            response_url=ref.get(RESPONSE_URL, ""),
            is_direct=inbound.is_direct,
        )

    @property
    def status_thread(self) -> str | None:
        """The thread assistant.threads.setStatus should mark: the reply thread, else the message."""
        return self.thread_ts or self.message_ts or None

"""Slack payloads -> Inbound. Pure functions: no client, no I/O.

Dedupe key: a message's event_id is "<channel>:<ts>", not the Events API event_id, because
one message reaches us as several events (app_mention and message.channels/message.im carry
different event_ids) and as re-deliveries of each; "<channel>:<ts>" is the same for all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bots.slack.files import attachments_of
from bots.slack.target import CHANNEL, MESSAGE_TS, PLATFORM, RESPONSE_URL, TEAM, THREAD_TS
from core.commands import COMMAND_NAMES
from core.types import Inbound

JSON = Mapping[str, Any]
# Subtypes that still carry a person's words; edits, joins and bot posts are not questions.
_USER_SUBTYPES = frozenset({"", "file_share", "thread_broadcast"})


def strip_mentions(text: str, bot_user_id: str) -> str:
    """Removes <@BOT> and <@BOT|name> wherever they stand."""
    if not bot_user_id:
        return text.strip()
    return re.sub(rf"[ \t]*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[ \t]*", " ", text).strip()


def _is_dm(channel: str, channel_type: str) -> bool:
    return channel_type == "im" or (not channel_type and channel.startswith("D"))


def from_event(body: JSON, event: JSON, bot_user_id: str) -> Inbound | None:
    """app_mention or message.* -> Inbound; None for what is not for us (channel chatter without a
    mention, edits, bots, ourselves)."""
    if event.get("bot_id") or event.get("subtype", "") not in _USER_SUBTYPES:
        return None
    user, channel, ts = str(event.get("user", "")), str(event.get("channel", "")), str(event.get("ts", ""))
    if not (user and channel and ts) or user == bot_user_id:
        return None
    raw = str(event.get("text", ""))
    direct = _is_dm(channel, str(event.get("channel_type", "")))
    mentioned = event.get("type") == "app_mention" or (bool(bot_user_id) and f"<@{bot_user_id}" in raw)
    if not (direct or mentioned):
        return None
    thread = str(event.get("thread_ts", ""))
    # A channel mention opens (or continues) a thread; a DM is answered where it was written.
    reply_thread = thread if direct else (thread or ts)
    team = str(event.get("user_team") or event.get("team") or body.get("team_id", ""))
    return Inbound(
        platform=PLATFORM,
        event_id=f"{channel}:{ts}",
        chat_id=channel,
        user_id=user,
        text=strip_mentions(raw, bot_user_id),
        thread_id=reply_thread or None,
        is_direct=direct,
        reply_route={CHANNEL: channel, THREAD_TS: reply_thread, MESSAGE_TS: ts, TEAM: team},
        attachments=attachments_of(event.get("files") or ()),
    )


def command_text(text: str) -> str:
    """`/switchboard model gpt-x` -> "/model gpt-x"; unknown words are a question (/ask)."""
    words = text.strip()
    if not words:
        return "/help"
    head = words.split(maxsplit=1)[0].lower().lstrip("/")
    return f"/{words.lstrip('/')}" if head in COMMAND_NAMES else f"/ask {words}"


def from_command(command: JSON) -> Inbound:
    channel = str(command.get("channel_id", ""))
    return Inbound(
        platform=PLATFORM,
        event_id=f"command:{command.get('trigger_id', '')}",
        chat_id=channel,
        user_id=str(command.get("user_id", "")),
        user_name=str(command.get("user_name", "")),
        text=command_text(str(command.get("text", ""))),
        is_direct=channel.startswith("D") or command.get("channel_name") == "directmessage",
        reply_route={CHANNEL: channel, THREAD_TS: "", MESSAGE_TS: "", TEAM: str(command.get("team_id", "")),
                   RESPONSE_URL: str(command.get("response_url", ""))},
    )


def from_action(body: JSON, command: str) -> Inbound | None:
    """A button under a notice was pressed: its command, as if the user had typed it there."""
    user: JSON = body.get("user") or {}
    container: JSON = body.get("container") or {}
    message: JSON = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id", ""))
    if not (channel and user.get("id")):
        return None
    thread = str(message.get("thread_ts") or container.get("thread_ts") or "")
    team = str(user.get("team_id") or (body.get("team") or {}).get("id", ""))
    return Inbound(
        platform=PLATFORM,
        event_id=f"action:{body.get('trigger_id', '')}",
        chat_id=channel,
        user_id=str(user["id"]),
        user_name=str(user.get("username", "")),
        text=command,
        thread_id=thread or None,
        is_direct=channel.startswith("D"),
        reply_route={CHANNEL: channel, THREAD_TS: thread, MESSAGE_TS: "", TEAM: team,
                   RESPONSE_URL: str(body.get("response_url", ""))},
    )

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


def _str(data: JSON, key: str) -> str:
    """A field Slack sends as a string; anything else (a bug, a forgery) reads as empty."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _obj(data: JSON, key: str) -> JSON:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


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
    if event.get("bot_id") or _str(event, "subtype") not in _USER_SUBTYPES:
        return None
    user, channel, ts = _str(event, "user"), _str(event, "channel"), _str(event, "ts")
    if not (user and channel and ts) or user == bot_user_id:
        return None
    raw = _str(event, "text")
    direct = _is_dm(channel, _str(event, "channel_type"))
    mentioned = event.get("type") == "app_mention" or (bool(bot_user_id) and f"<@{bot_user_id}" in raw)
    if not (direct or mentioned):
        return None
    thread = _str(event, "thread_ts")
    # A channel mention opens (or continues) a thread; a DM is answered where it was written.
    reply_thread = thread if direct else (thread or ts)
    team = _str(event, "user_team") or _str(event, "team") or _str(body, "team_id")
    return Inbound(
        platform=PLATFORM,
        event_id=f"{channel}:{ts}",
        chat_id=channel,
        user_id=user,
        text=strip_mentions(raw, bot_user_id),
        thread_id=reply_thread or None,
        is_direct=direct,
        reply_route={CHANNEL: channel, THREAD_TS: reply_thread, MESSAGE_TS: ts, TEAM: team},
        attachments=attachments_of(event.get("files")),
    )


def command_text(text: str) -> str:
    """`/switchboard model gpt-x` -> "/model gpt-x"; unknown words are a question (/ask)."""
    words = text.strip()
    if not words:
        return "/help"
    head = words.split(maxsplit=1)[0].lower().lstrip("/")
    return f"/{words.lstrip('/')}" if head in COMMAND_NAMES else f"/ask {words}"


def from_command(command: JSON) -> Inbound:
    channel = _str(command, "channel_id")
    return Inbound(
        platform=PLATFORM,
        event_id=f"command:{_str(command, 'trigger_id')}",
        chat_id=channel,
        user_id=_str(command, "user_id"),
        user_name=_str(command, "user_name"),
        text=command_text(_str(command, "text")),
        is_direct=channel.startswith("D") or command.get("channel_name") == "directmessage",
        reply_route={CHANNEL: channel, THREAD_TS: "", MESSAGE_TS: "", TEAM: _str(command, "team_id"),
                     RESPONSE_URL: _str(command, "response_url")},
    )


def from_action(body: JSON, command: str) -> Inbound | None:
    """A button under a notice was pressed: its command, as if the user had typed it there."""
    user, container, message = _obj(body, "user"), _obj(body, "container"), _obj(body, "message")
    channel = _str(_obj(body, "channel"), "id") or _str(container, "channel_id")
    if not (channel and _str(user, "id")):
        return None
    thread = _str(message, "thread_ts") or _str(container, "thread_ts")
    team = _str(user, "team_id") or _str(_obj(body, "team"), "id")
    return Inbound(
        platform=PLATFORM,
        event_id=f"action:{_str(body, 'trigger_id')}",
        chat_id=channel,
        user_id=_str(user, "id"),
        user_name=_str(user, "username"),
        text=command,
        thread_id=thread or None,
        is_direct=channel.startswith("D"),
        reply_route={CHANNEL: channel, THREAD_TS: thread, MESSAGE_TS: "", TEAM: team,
                     RESPONSE_URL: _str(body, "response_url")},
    )

"""Records and payload builders for the fake Discord in ``discord_api.py``.

Payloads carry the fields discord.py 2 reads (users, members, guilds, channels, threads,
messages, interactions), shaped as the Discord API v10 documents them.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CONTENT = 2000
EPHEMERAL = 64
LOADING = 128  # the flag of a deferred response still "thinking"

INVALID_FORM = 50035
TEXT_CHANNEL, DM_CHANNEL, GROUP_DM, PUBLIC_THREAD = 0, 1, 3, 11
GUILD_INSTALL, USER_INSTALL = 0, 1  # a command's integration_types
IN_GUILD, IN_BOT_DM, IN_PRIVATE_CHANNEL = 0, 1, 2  # a command's contexts
PING, APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
_MENTION = re.compile(r"@everyone|@here|<@!?\d+>|<@&\d+>")


class Snowflakes:
    """Ids that encode the current time, as Discord's do (discord.py reads created_at from them)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


class DiscordError(Exception):
    """An error reply: status plus Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Call:
    """One answered HTTP request (recorded with the reply it got)."""

    method: str
    route: str  # the route template, e.g. "PATCH /channels/{channel_id}/messages/{message_id}"
    path: str
    query: dict[str, str]
    body: Any
    at: float
    status: int = 200

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"

    def __str__(self) -> str:
        return f"{self.name} {str(self.body)[:120]} -> {self.status}"


@dataclass
class StoredMessage:
    """A message in the fake's channels, with what the bot did to it."""

    id: int
    channel_id: int
    author: JSON
    content: str
    at: float
    flags: int = 0
    components: list[Any] = field(default_factory=list)
    allowed_mentions: Any = None  # as the last write sent it (None: the key was absent)
    reference: JSON | None = None
    webhook_id: int | None = None
    interaction_id: int | None = None  # set for interaction responses and follow-ups
    ours: bool = False  # written by the bot under test
    edits: int = 0
    history: list[str] = field(default_factory=list)  # every content it had, oldest first
    attachments: list[JSON] = field(default_factory=list)  # as Discord lists them: CDN url, size, content_type


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    channel_id: int
    payload: JSON
    created: float  # time.monotonic() when dispatched
    callback_type: int | None = None
    callback_at: float | None = None
    callback_data: JSON | None = None
    original_id: int | None = None  # the message that "@original" names
    follow_ups: list[int] = field(default_factory=list)


def user(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {"id": str(user_id), "username": name, "global_name": name.title(), "discriminator": "0",
            "avatar": None, "bot": bot, "system": False, "public_flags": 0, "flags": 0}


def member(roles: list[int], member_user: JSON | None = None) -> JSON:
    data: JSON = {"roles": [str(r) for r in roles], "joined_at": iso_now(), "deaf": False, "mute": False,
                  "flags": 0, "pending": False, "nick": None, "avatar": None, "premium_since": None,
                  "communication_disabled_until": None, "permissions": str((1 << 41) - 1)}
    if member_user is not None:
        data["user"] = member_user
    return data


def role(role_id: int, name: str, *, position: int = 0, bot_id: int | None = None) -> JSON:
    data: JSON = {"id": str(role_id), "name": name, "color": 0, "colors": {"primary_color": 0},
                  "hoist": False, "icon": None, "unicode_emoji": None, "position": position,
                  "permissions": "0", "managed": bot_id is not None, "mentionable": True, "flags": 0}
    if bot_id is not None:
        data["tags"] = {"bot_id": str(bot_id)}
    return data


def text_channel(channel_id: int, guild_id: int, name: str) -> JSON:
    return {"id": str(channel_id), "type": TEXT_CHANNEL, "guild_id": str(guild_id), "name": name,
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "default_auto_archive_duration": 1440,
            "flags": 0}


def dm_channel(channel_id: int, recipient: JSON) -> JSON:
    return {"id": str(channel_id), "type": DM_CHANNEL, "recipients": [recipient], "last_message_id": None,
            "flags": 0}


def group_dm(channel_id: int, recipients: list[JSON], owner_id: int) -> JSON:
    return {"id": str(channel_id), "type": GROUP_DM, "recipients": recipients, "name": None, "icon": None,
            "owner_id": str(owner_id), "last_message_id": None, "flags": 0}


def thread(thread_id: int, guild_id: int, parent_id: int, owner_id: int, name: str) -> JSON:
    return {"id": str(thread_id), "type": PUBLIC_THREAD, "guild_id": str(guild_id), "parent_id": str(parent_id),
            "owner_id": str(owner_id), "name": name, "last_message_id": None, "rate_limit_per_user": 0,
            "message_count": 0, "member_count": 1, "total_message_sent": 0, "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                "archive_timestamp": iso_now(), "locked": False, "invitable": True,
                                "create_timestamp": iso_now()}}


def guild(guild_id: int, *, owner_id: int, roles: list[JSON], channels: list[JSON], members: list[JSON],
          threads: list[JSON]) -> JSON:
    return {"id": str(guild_id), "name": "Switchboard Test Server", "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": str(owner_id), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": roles, "emojis": [], "stickers": [], "features": [], "mfa_level": 0, "application_id": None,
            "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
            "premium_subscription_count": 0, "preferred_locale": "en-US", "public_updates_channel_id": None,
            "nsfw_level": 0, "premium_progress_bar_enabled": False, "joined_at": iso_now(), "large": False,
            "unavailable": False, "member_count": len(members), "voice_states": [], "members": members,
            "channels": channels, "threads": threads, "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [], "max_members": 500000,
            "safety_alerts_channel_id": None}


def interaction(interaction_id: int, app_id: int, kind: int, data: JSON, *, channel: JSON, guild_id: int | None,
                author: JSON, roles: list[int], user_install: bool = False) -> JSON:
    """An INTERACTION_CREATE payload: a member in a server, a user in a DM or group DM. With
    `user_install`, the command comes from the app the person installed on their account."""
    payload: JSON = {"id": str(interaction_id), "application_id": str(app_id), "type": kind, "data": data,
                     "channel_id": channel["id"], "channel": channel, "token": f"interaction-token-{interaction_id}",
                     "version": 1, "locale": "en-US", "app_permissions": str((1 << 41) - 1), "entitlements": [],
                     "attachment_size_limit": 10 << 20}
    owners = {str(USER_INSTALL): author["id"]} if user_install else {str(GUILD_INSTALL): str(guild_id or 0)}
    if guild_id is not None:
        payload.update(guild_id=str(guild_id), guild_locale="en-US", context=IN_GUILD,
                       guild={"id": str(guild_id), "locale": "en-US", "features": []},
                       member=member(roles, author), authorizing_integration_owners=owners)
    else:
        context = IN_PRIVATE_CHANNEL if channel["type"] == GROUP_DM else IN_BOT_DM
        payload.update(user=author, context=context, authorizing_integration_owners=owners)
    return payload


def message(stored: StoredMessage, *, guild_id: int | None, mentions: list[JSON] | None = None,
            mention_roles: list[int] | None = None, author_member: JSON | None = None,
            referenced: JSON | None = None) -> JSON:
    data: JSON = {"id": str(stored.id), "channel_id": str(stored.channel_id), "author": stored.author,
                  "content": stored.content, "timestamp": iso_now(), "edited_timestamp": None, "tts": False,
                  "mention_everyone": False, "mentions": mentions or [],
                  "mention_roles": [str(r) for r in mention_roles or []], "attachments": stored.attachments,
                  "embeds": [], "pinned": False, "type": 0, "flags": stored.flags, "components": stored.components}
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if author_member is not None:
        data["member"] = author_member
    if stored.webhook_id is not None:
        data["webhook_id"] = str(stored.webhook_id)
    if stored.reference is not None:
        data["message_reference"] = stored.reference
        data["type"] = 19
        data["referenced_message"] = referenced
    return data


def would_ping(content: str, allowed_mentions: Any) -> list[str]:
    """The mentions in ``content`` Discord would notify: without allowed_mentions it parses all."""
    found = _MENTION.findall(content)
    if not found:
        return []
    if allowed_mentions is None:
        return found
    parse = set(allowed_mentions.get("parse", []))
    users = {str(u) for u in allowed_mentions.get("users", [])}
    roles = {str(r) for r in allowed_mentions.get("roles", [])}
    pinged = []
    for mention in found:
        if mention in ("@everyone", "@here"):
            hit = "everyone" in parse
        elif mention.startswith("<@&"):
            hit = "roles" in parse or mention[3:-1] in roles
        else:
            hit = "users" in parse or mention.strip("<@!>") in users
        if hit:
            pinged.append(mention)
    return pinged


def check_content(body: JSON) -> None:
    """Discord refuses a message longer than 2000 characters."""
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        raise DiscordError(400, INVALID_FORM, "Invalid Form Body: content must be 2000 or fewer in length.")

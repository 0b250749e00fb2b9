"""Discord messages and interactions, turned into the core's Inbound."""

from __future__ import annotations

import dataclasses
import re
import time

import discord

from bots.discord.files import attachments_of
from bots.discord.refs import PLATFORM, REPLY_TO, InteractionRef
from core.types import Inbound, SenderFacts

ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)  # not joins, pins, ...


def _roles(user: discord.User | discord.Member) -> tuple[str, ...]:
    if not isinstance(user, discord.Member):
        return ()
    return tuple(str(role.id) for role in user.roles if not role.is_default())


def _own_role(message: discord.Message) -> int | None:
    role = message.guild.self_role if message.guild is not None else None
    return role.id if role is not None else None


def is_addressed(message: discord.Message, me: discord.ClientUser) -> bool:
    """A DM, a mention of the bot (or its role), a reply to the bot, or a message in a thread
    the bot started (the last two only when their text is visible). @everyone does not count."""
    if message.guild is None:
        return True
    if any(user.id == me.id for user in message.mentions):
        return True
    own_role = _own_role(message)
    if own_role is not None and own_role in message.raw_role_mentions:
        return True
    if not message.content.strip() and not message.attachments:  # without the intent Discord blanks both
        return False
    ref = message.reference
    resolved = ref.resolved if ref is not None else None
    if isinstance(resolved, discord.Message) and resolved.author.id == me.id:
        return True
    channel = message.channel
    return isinstance(channel, discord.Thread) and channel.owner_id == me.id


def strip_mentions(message: discord.Message, me: discord.ClientUser) -> str:
    """The text without the mention that addressed the bot; other mentions stay as written."""
    own = [rf"<@!?{me.id}>"]
    own_role = _own_role(message)
    if own_role is not None:
        own.append(rf"<@&{own_role}>")
    return re.sub("|".join(own), " ", message.content).strip()


def from_message(message: discord.Message, text: str) -> Inbound:
    """Inside a thread the thread is the conversation; in a channel the reply quotes the message."""
    channel = message.channel
    in_thread = isinstance(channel, discord.Thread)
    route = {REPLY_TO: str(message.id)} if message.guild is not None else {}
    parent = str(channel.parent_id) if isinstance(channel, discord.Thread) else ""
    return Inbound(
        platform=PLATFORM,
        event_id=str(message.id),
        chat_id=str(channel.id),
        thread_id=str(channel.id) if in_thread else None,
        user_id=str(message.author.id),
        user_name=message.author.display_name,
        text=text,
        is_direct=message.guild is None,
        reply_route=route,
        sender=SenderFacts(roles=_roles(message.author), parent_chat=parent),
        attachments=attachments_of(message),
    )


def in_new_thread(inbound: Inbound, thread_id: int) -> Inbound:
    """The same message, answered in the thread just started from it (no quote needed there)."""
    route = {k: v for k, v in inbound.reply_route.items() if k != REPLY_TO}
    sender = dataclasses.replace(inbound.sender, parent_chat=inbound.chat_id)
    return dataclasses.replace(inbound, chat_id=str(thread_id), thread_id=str(thread_id), reply_route=route,
                               sender=sender)


def from_interaction(interaction: discord.Interaction, text: str, *, ephemeral: bool = False,
                     component: bool = False, deferred: bool = True) -> Inbound:
    """A slash command or menu click; once deferred, its reply goes through the token,
    otherwise (the 3 s passed) it is answered with channel messages."""
    channel = interaction.channel
    channel_id = interaction.channel_id or 0
    in_thread = isinstance(channel, discord.Thread)
    token = InteractionRef(interaction.application_id, interaction.token, time.time(), ephemeral, component)
    route = token.to_route() if deferred else {}
    parent = str(channel.parent_id) if isinstance(channel, discord.Thread) else ""
    return Inbound(
        platform=PLATFORM,
        event_id=str(interaction.id),
        chat_id=str(channel_id),
        thread_id=str(channel_id) if in_thread else None,
        user_id=str(interaction.user.id),
        user_name=interaction.user.display_name,
        text=text,
        is_direct=interaction.guild_id is None,
        reply_route=route,
        sender=SenderFacts(roles=_roles(interaction.user), parent_chat=parent),
    )

"""Telegram updates as the core's Inbound: who wrote, where, what, and whether to us."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from aiogram.types import CallbackQuery, Message, MessageGenerationStopped, User

from bots.telegram.addressing import BotIdentity, body, is_addressed, strip_mentions
from bots.telegram.files import attachments_of
from core.types import Inbound, SenderFacts

PLATFORM = "telegram"
REPLY_TO = "message_id"  # reply_route key: the user's message a group reply quotes

# Content a person sent that is not text; anything else without text is a service message.
MEDIA = frozenset({
    "photo", "video", "animation", "audio", "document", "voice", "video_note", "sticker",
    "location", "venue", "contact", "poll", "dice", "story", "paid_media",
})


@dataclass(frozen=True)
class Received:
    inbound: Inbound
    media_only: bool  # a sticker, video, location... with no words and nothing readable: gets a note


def event_id(me: BotIdentity, update_id: int) -> str:
    """update_id is unique per bot, so the bot id makes it unique per Redis."""
    return f"{me.id}:{update_id}"


def _sender(user: User) -> SenderFacts:
    return SenderFacts(username=user.username or "")


def from_message(message: Message, update_id: int, me: BotIdentity,
                 ours: Collection[str]) -> Received | None:
    """None for messages that are not for us: other bots, unaddressed group chatter, service."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    content = message.content_type  # a str Enum: compare its value, not its name
    kind = str(getattr(content, "value", content))
    if kind != "text" and kind not in MEDIA:
        return None  # joins, pins, topic edits...
    if not is_addressed(message, me, ours):
        return None
    text, entities = body(message)
    text = strip_mentions(text, entities, me)
    thread = message.message_thread_id if message.is_topic_message else None
    inbound = Inbound(
        platform=PLATFORM,
        event_id=event_id(me, update_id),
        chat_id=str(message.chat.id),
        user_id=str(user.id),
        text=text,
        thread_id=str(thread) if thread else None,
        is_direct=message.chat.type == "private",
        user_name=user.full_name,
        reply_route={REPLY_TO: str(message.message_id)},
        sender=_sender(user),
        attachments=attachments_of(message),
    )
    return Received(inbound, media_only=kind != "text" and not text and not inbound.attachments)


def from_album(items: Sequence[Message], update_id: int, me: BotIdentity,
               ours: Collection[str]) -> Received | None:
    """One message, or an album's items as one: the captioned item speaks (and decides whether
    it is for us), and every item's file goes with it."""
    head = next((m for m in items if m.caption or m.text), items[0])
    received = from_message(head, update_id, me, ours)
    if received is None or len(items) == 1:
        return received
    attachments = tuple(a for m in items for a in attachments_of(m))
    return Received(dataclasses.replace(received.inbound, attachments=attachments), received.media_only)


def from_callback(query: CallbackQuery, update_id: int, me: BotIdentity,
                  command: str) -> Inbound | None:
    """A tapped button, as if its user had typed the command in that chat."""
    message = query.message
    if message is None:
        return None  # a button under an inline-mode message: no chat to answer in
    thread = (message.message_thread_id
              if isinstance(message, Message) and message.is_topic_message else None)
    return Inbound(
        platform=PLATFORM,
        event_id=event_id(me, update_id),
        chat_id=str(message.chat.id),
        user_id=str(query.from_user.id),
        text=command,
        thread_id=str(thread) if thread else None,
        is_direct=message.chat.type == "private",
        user_name=query.from_user.full_name,
        sender=_sender(query.from_user),
    )


def from_stopped(stopped: MessageGenerationStopped, update_id: int, me: BotIdentity) -> Inbound:
    """Telegram's Stop under a draft: drafts are private, so the chat is the person who pressed it."""
    chat = stopped.chat
    thread = stopped.message_thread_id
    return Inbound(
        platform=PLATFORM,
        event_id=event_id(me, update_id),
        chat_id=str(chat.id),
        user_id=str(chat.id),
        text="",
        thread_id=str(thread) if thread else None,
        is_direct=chat.type == "private",
        sender=SenderFacts(username=chat.username or ""),
    )

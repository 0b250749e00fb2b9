"""Who gets an answer: every private message; in groups only what is meant for the bot.

Groups: an @mention of the bot, a reply to one of its messages, `/cmd@this_bot`, and a bare
`/cmd` when it is one of the core's commands (`/ask <text>`, `/model`, ...). Privacy mode
(the BotFather default) delivers every message starting with "/" to every bot in the group,
so a bare command that is not ours is left to the bot it was meant for.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from aiogram.types import Message, MessageEntity

_SPACES = re.compile(r"[ \t]{2,}")
_VOCATIVE = re.compile(r"^[,:]\s*")


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str  # without "@"


def body(message: Message) -> tuple[str, Sequence[MessageEntity]]:
    """The message's words: its text, or a media message's caption."""
    if message.text is not None:
        return message.text, message.entities or ()
    return message.caption or "", message.caption_entities or ()


def _units(text: str) -> bytes:
    """UTF-16 code units, as entity offsets count them (a lone surrogate from JSON included)."""
    return text.encode("utf-16-le", "surrogatepass")


def _entity_text(text: str, entity: MessageEntity) -> str:
    start, end = entity.offset * 2, (entity.offset + entity.length) * 2
    return _units(text)[max(start, 0):max(end, 0)].decode("utf-16-le", "replace")


def _is_me(entity: MessageEntity, text: str, me: BotIdentity) -> bool:
    if entity.type == "mention":
        return _entity_text(text, entity)[1:].lower() == me.username.lower()
    return entity.type == "text_mention" and entity.user is not None and entity.user.id == me.id


def _command_for_me(text: str, me: BotIdentity, ours: Collection[str]) -> bool:
    if not text.startswith("/"):
        return False
    head = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
    name, at, target = head.partition("@")
    if at:
        return target.lower() == me.username.lower()
    return name.lower() in ours


def _replies_to_me(message: Message, me: BotIdentity) -> bool:
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return False  # in forum topics every message "replies" to the topic's first message
    return replied.from_user is not None and replied.from_user.id == me.id


def is_addressed(message: Message, me: BotIdentity, ours: Collection[str]) -> bool:
    if message.chat.type == "private":
        return True
    text, entities = body(message)
    return (
        any(_is_me(e, text, me) for e in entities)
        or _command_for_me(text.lstrip(), me, ours)
        or _replies_to_me(message, me)
    )


def strip_mentions(text: str, entities: Sequence[MessageEntity], me: BotIdentity) -> str:
    """The text without the bot's own @mentions ("@bot what is 2+2" -> "what is 2+2")."""
    units = _units(text)  # entity offsets count UTF-16 code units
    leading = False
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        if entity.type == "mention" and _is_me(entity, text, me):
            start, end = max(entity.offset, 0) * 2, max(entity.offset + entity.length, 0) * 2
            units = units[:start] + units[end:]
            leading = leading or entity.offset == 0
    # Offsets are Telegram's to get right; a wrong one must not cost the message (halves -> U+FFFD).
    stripped = _SPACES.sub(" ", units.decode("utf-16-le", "replace")).strip()
    return _VOCATIVE.sub("", stripped) if leading else stripped  # "@bot, hi" -> "hi"

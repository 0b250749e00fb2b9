"""The model's Markdown as Telegram text + entities (telegramify-markdown), or plain text."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import telegramify_markdown
from aiogram.types import MessageEntity

from core.reply.split import utf16_len

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # UTF-16 code units after entity parsing (sendMessage, editMessageText, drafts)


@dataclass(frozen=True)
class Body:
    """What one message shows: text plus the entities that style it (none: plain)."""

    text: str
    entities: list[MessageEntity] = field(default_factory=list)

    @property
    def formatted(self) -> bool:
        return bool(self.entities)


def plain(text: str) -> Body:
    return Body(text)


def formatted(markdown: str) -> Body:
    """Converts Markdown to entities; falls back to the raw text when that cannot be sent.

    Entities (not a parse_mode string) are sent, so nothing Telegram has to parse can break:
    the only failure left is an entity Telegram refuses, which the sender retries as plain.
    """
    try:
        text, entities = telegramify_markdown.convert(markdown)
    except Exception:  # a third-party parser on model output: any bug there must not lose a reply
        log.exception("markdown conversion failed; sending plain text")
        return plain(markdown)
    if not text.strip() or utf16_len(text) > MAX_TEXT:
        return plain(markdown)  # e.g. a page made only of an image, or symbols that grew it
    converted = [MessageEntity(**e.to_dict()) for e in entities if e.user is None]
    return Body(text, converted)

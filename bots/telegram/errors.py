"""Telegram's error replies, sorted into what the outlet does about each."""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

# Substrings of Bot API error descriptions (lower-cased); Telegram words them loosely.
_NOT_MODIFIED = "message is not modified"
_PARSE = ("can't parse entities", "can't find end", "entity")
_TOO_LONG = ("too long",)


class MessageTooLong(Exception):
    """Telegram refused a text as too long although it was split to the limit."""


class DraftsUnavailable(Exception):
    """sendMessageDraft was refused for a reason other than flood control."""


def _says(exc: TelegramAPIError, needles: tuple[str, ...]) -> bool:
    message = exc.message.lower()
    return any(needle in message for needle in needles)


def not_modified(exc: TelegramAPIError) -> bool:
    """An edit to identical content: the message already shows it, so it is a success."""
    return isinstance(exc, TelegramBadRequest) and _says(exc, (_NOT_MODIFIED,))


def bad_formatting(exc: TelegramAPIError) -> bool:
    return isinstance(exc, TelegramBadRequest) and _says(exc, _PARSE)


def too_long(exc: TelegramAPIError) -> bool:
    return isinstance(exc, TelegramBadRequest) and _says(exc, _TOO_LONG)

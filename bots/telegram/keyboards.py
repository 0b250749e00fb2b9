"""Choices as an inline keyboard, and a tapped button back into the command it stands for.

callback_data holds at most 64 bytes. A command that fits ("/model gpt-4o") travels as
itself, so a tap needs no state at all. A longer one travels as "#" + a 16-character hash
of the command and is found again by hashing the candidates (the model catalog, which the
core keeps in Redis for every replica): still stateless, and any replica can answer.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from core.types import Choice

MAX_CALLBACK_BYTES = 64
_HASHED = "#"
STOP_COMMAND = "/stop"  # the Stop button under a streaming answer: a tap stops it, with no notice

Candidates = Callable[[], Awaitable[Iterable[str]]]


def _digest(command: str) -> str:
    raw = hashlib.blake2b(command.encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(raw).decode()


def callback_data(command: str) -> str:
    if len(command.encode()) <= MAX_CALLBACK_BYTES and command.startswith("/"):
        return command
    return _HASHED + _digest(command)


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """One button per row: model ids are long and read best untruncated."""
    if not choices:
        return None
    rows = [[InlineKeyboardButton(text=c.label, callback_data=callback_data(c.command))]
            for c in choices]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def stop_keyboard() -> InlineKeyboardMarkup:
    """The one button a message being written carries."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="■ Stop", callback_data=STOP_COMMAND)]])


async def resolve(data: str | None, candidates: Candidates) -> str | None:
    """The command a button stands for, or None when it is unknown (an expired keyboard)."""
    if not data:
        return None
    if data.startswith("/"):
        return data  # runs as the tapping user, like typing it: nothing a user could not do
    if data.startswith(_HASHED):
        wanted = data[len(_HASHED):]
        for command in await candidates():
            if _digest(command) == wanted:
                return command
    return None

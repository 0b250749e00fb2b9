"""DISCORD_AUTO_THREAD: a mention in a channel is answered in a thread started from it."""

from __future__ import annotations

import logging
from typing import Literal

import discord

log = logging.getLogger(__name__)

THREAD_EXISTS = 160004  # "A thread has already been created for this message"
NAME_CHARS = 80  # Discord allows 100; a shorter name reads better in the channel list
ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages archives the thread


def thread_name(text: str, author: str) -> str:
    first_line = text.strip().split("\n", 1)[0].strip()
    if not first_line:
        return f"Chat with {author}"[:NAME_CHARS]
    return first_line if len(first_line) <= NAME_CHARS else first_line[: NAME_CHARS - 1] + "…"


def can_thread(message: discord.Message) -> bool:
    """Only plain text and announcement channels take threads started from a message."""
    return isinstance(message.channel, discord.TextChannel)


async def start_thread(message: discord.Message, text: str) -> int | None:
    """The thread's id (a thread started from a message shares its id), or None to answer in
    the channel (no permission, or the channel does not allow it)."""
    name = thread_name(text, message.author.display_name)
    try:
        thread = await message.create_thread(name=name, auto_archive_duration=ARCHIVE_MINUTES)
    except discord.HTTPException as exc:
        if exc.code == THREAD_EXISTS:  # a replayed event: the thread from the first delivery
            return message.id
        log.warning("could not start a thread in channel %s (%s); answering in the channel",
                    message.channel.id, exc)
        return None
    return thread.id

"""The discord.py client: intents chosen deliberately, mentions off by default, events to Intake."""

from __future__ import annotations

from typing import Protocol

import discord

MAX_RATELIMIT_WAIT = 30.0  # discord.py's minimum; a longer 429 goes to our pacer instead of sleeping


class Listener(Protocol):
    async def on_message(self, message: discord.Message) -> None: ...

    async def on_interaction(self, interaction: discord.Interaction) -> None: ...


def intents(message_content: bool) -> discord.Intents:
    """Mentions, DMs and slash commands need no privileged intent; message content is opt-in."""
    chosen = discord.Intents.none()
    chosen.guilds = True  # channels, threads and roles in the cache (threads, role allowlists)
    chosen.guild_messages = True
    chosen.dm_messages = True
    chosen.message_content = message_content  # privileged: text of messages that do not mention us
    return chosen


def quiet_voice_warnings() -> None:
    """A text-only bot needs no voice libraries: skip discord.py's start-up warnings about them."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class SwitchboardClient(discord.Client):
    def __init__(self, *, message_content: bool, guild_ready_timeout: float = 2.0, shard_id: int | None = None,
                 shard_count: int | None = None) -> None:
        quiet_voice_warnings()
        super().__init__(
            shard_id=shard_id,  # one shard's gateway session (bots/discord/shards.py); None: REST only
            shard_count=shard_count,
            intents=intents(message_content),
            allowed_mentions=discord.AllowedMentions.none(),  # a default for any call that forgets
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            max_messages=None,  # no message cache: every reply addresses messages by id
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.listener: Listener | None = None

    async def on_message(self, message: discord.Message) -> None:
        if self.listener is not None:
            await self.listener.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if self.listener is not None:
            await self.listener.on_interaction(interaction)

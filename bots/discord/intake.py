"""Gateway events to the core: mentions, DMs and thread messages; slash commands; menu clicks."""

from __future__ import annotations

import asyncio
import logging

import discord

from bots.discord.inbound import (
    ANSWERED_TYPES,
    from_interaction,
    from_message,
    in_new_thread,
    is_addressed,
    strip_mentions,
)
from bots.discord.menus import chosen_command, is_stop
from bots.discord.threads import can_thread, start_thread
from core.backlog import IntakeBacklog
from core.gateway import Gateway
from core.types import Inbound

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060  # a replayed interaction: the first delivery deferred it
AUTOCOMPLETE_BUDGET = 2.0  # seconds; Discord drops suggestions that come after 3


class Intake:
    """Hands each update to the gateway through a backlog (Discord never re-sends an update, so one
    that cannot be stored while Redis is away waits in memory); interactions are deferred first
    (3 s deadline)."""

    def __init__(self, gateway: Gateway, client: discord.Client, *, auto_thread: bool,
                 backlog: IntakeBacklog) -> None:
        self._gateway = gateway
        self._backlog = backlog
        self._client = client
        self._auto_thread = auto_thread
        self.accepting = True  # False while shutting down: replies finish, nothing new starts

    async def on_message(self, message: discord.Message) -> None:
        me = self._client.user
        if not self.accepting or me is None:
            return
        # Other bots, our own messages, webhooks (incl. interaction replies), system messages.
        if message.author.bot or message.webhook_id is not None or message.type not in ANSWERED_TYPES:
            return
        if not is_addressed(message, me):
            return
        inbound = from_message(message, strip_mentions(message, me))
        if self._auto_thread and can_thread(message) and await self._admits(inbound):
            thread_id = await start_thread(message, inbound.text)
            if thread_id is not None:
                inbound = in_new_thread(inbound, thread_id)
        await self._backlog.submit(inbound)

    async def _admits(self, inbound: Inbound) -> bool:
        """Whether to open a thread for this sender; while Redis is away nobody is asked (the
        message waits in the backlog and is answered in the channel)."""
        try:
            return await self._gateway.admits(inbound)
        except Exception as exc:  # Redis unreachable: the answer goes to the channel instead
            log.info("not opening a thread (access not known: %s)", exc)
            return False

    async def command(self, interaction: discord.Interaction, text: str, *, ephemeral: bool) -> None:
        """A slash command: defer, then hand the core the command as text."""
        deferred = await self._defer(interaction, ephemeral=ephemeral)
        await self._backlog.submit(from_interaction(interaction, text, ephemeral=ephemeral, deferred=deferred))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on a choice menu or button sends the chosen command; its result replaces the
        menu. A click on Stop under an answer stops it, as /stop does, without a notice."""
        if interaction.type is not discord.InteractionType.component or not self.accepting:
            return
        if is_stop(interaction):
            deferred = await self._defer(interaction, ephemeral=False)
            await self._gateway.stop(from_interaction(interaction, "/stop", component=True, deferred=deferred))
            return
        command = chosen_command(interaction)
        if command is None:
            return
        ephemeral = bool(interaction.message and interaction.message.flags.ephemeral)
        deferred = await self._defer(interaction, ephemeral=ephemeral)
        inbound = from_interaction(interaction, command, ephemeral=ephemeral, component=True, deferred=deferred)
        await self._backlog.submit(inbound)

    async def model_names(self, current: str) -> list[str]:
        try:
            async with asyncio.timeout(AUTOCOMPLETE_BUDGET):
                return await self._gateway.usable_models(current)
        except TimeoutError:
            log.info("no model suggestions within %.0f s", AUTOCOMPLETE_BUDGET)
            return []

    async def _defer(self, interaction: discord.Interaction, *, ephemeral: bool) -> bool:
        """True when the token can carry the reply (deferred now, or by a first delivery)."""
        try:
            # Slash commands show "thinking…"; a menu click defers as an update of its message.
            await interaction.response.defer(ephemeral=ephemeral, thinking=False)
            return True
        except discord.HTTPException as exc:
            if exc.code == ALREADY_ACKNOWLEDGED:
                return True
            log.warning("could not defer interaction %s (%s); answering in the channel", interaction.id, exc)
            return False

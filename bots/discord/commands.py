"""The slash commands. Each one defers at once and hands the core the same text a user could
type (/ask, /model, ...), so the command logic lives only in core.commands.

Every command is registered for both installs — a server's (guild) and a person's (user) —
and for the three places: servers, the bot's DM, and group DMs. A person who installed the
app can use /ask in a server the bot is not in: the answer goes through the interaction."""

from __future__ import annotations

from typing import Protocol

import discord
from discord import app_commands

from core.commands import find

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete suggestions
PRIVATE = ("model", "reset", "usage", "help", "stop")  # answered ephemerally: only the caller sees them


class SlashHandler(Protocol):
    async def command(self, interaction: discord.Interaction, text: str, *, ephemeral: bool) -> None:
        """Defer the interaction, then hand `text` to the core."""

    async def model_names(self, current: str) -> list[str]:
        """Models whose id contains `current`, for autocomplete."""


class NoHandler:
    """For registering commands (switchboard discord sync): nothing is ever invoked."""

    async def command(self, interaction: discord.Interaction, text: str, *, ephemeral: bool) -> None:
        raise RuntimeError("slash commands are not served by this client")

    async def model_names(self, current: str) -> list[str]:
        return []


def _summary(name: str) -> str:
    command = find(name)
    text = command.summary if command else name
    return (text[:1].upper() + text[1:])[:100]


INSTALLS = app_commands.AppInstallationType(guild=True, user=True)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)


def build_tree(client: discord.Client, handler: SlashHandler) -> app_commands.CommandTree[discord.Client]:
    """The command tree; registering it with Discord is `switchboard discord sync`, not start-up."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        client, allowed_installs=INSTALLS, allowed_contexts=CONTEXTS)

    @tree.command(name="ask", description=_summary("ask"))
    @app_commands.describe(prompt="What to ask the model")
    async def ask(interaction: discord.Interaction, prompt: str) -> None:
        await handler.command(interaction, f"/ask {prompt}", ephemeral=False)

    @tree.command(name="model", description=_summary("model"))
    @app_commands.describe(name="The model to switch to; leave empty to pick from a list")
    async def model(interaction: discord.Interaction, name: str | None = None) -> None:
        await handler.command(interaction, f"/model {name}" if name else "/model", ephemeral=True)

    @model.autocomplete("name")
    async def model_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await handler.model_names(current)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:MAX_CHOICES]]

    def simple(name: str) -> None:
        async def run(interaction: discord.Interaction) -> None:
            await handler.command(interaction, f"/{name}", ephemeral=name in PRIVATE)

        tree.add_command(app_commands.Command(name=name, description=_summary(name), callback=run))

    for name in ("continue", "retry", "reset", "usage", "help", "stop"):
        simple(name)
    return tree

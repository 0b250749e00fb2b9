"""Choices under a notice (the /model list) rendered as a select menu."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from core.types import Choice

CHOICE_ID = "switchboard:choice"  # clicks are recognised by this custom_id, in any process
MAX_OPTIONS = 25  # Discord's limit for one select menu
MAX_VALUE = 100  # an option's label and value


class ChoiceMenu(discord.ui.View):
    """A select whose option values are the commands the choices send."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        super().__init__(timeout=None)
        usable = [c for c in choices if len(c.command) <= MAX_VALUE][:MAX_OPTIONS]
        options = [discord.SelectOption(label=c.label[:MAX_VALUE], value=c.command) for c in usable]
        self.add_item(discord.ui.Select(custom_id=CHOICE_ID, placeholder="Choose…", options=options))

    def is_dispatchable(self) -> bool:
        return False  # not kept in discord.py's view store: Intake routes clicks by custom_id


def menu(choices: Sequence[Choice]) -> ChoiceMenu | None:
    return ChoiceMenu(choices) if any(len(c.command) <= MAX_VALUE for c in choices) else None


def components(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    """The raw component rows, for interaction webhook payloads ([] removes a menu)."""
    view = menu(choices)
    return view.to_components() if view is not None else []


def chosen_command(interaction: discord.Interaction) -> str | None:
    """The command a click on our menu sends, or None for any other component."""
    data: Any = interaction.data or {}
    if data.get("custom_id") != CHOICE_ID or not data.get("values"):
        return None
    return str(data["values"][0])

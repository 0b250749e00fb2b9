"""Choices under a notice, and the Stop button under an answer being written.

The /model picker is a select menu (many options); other choices (Continue) are buttons.
Clicks are recognised by custom_id in any process: discord.py's view store is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from core.types import Choice

CHOICE_ID = "switchboard:choice"  # the select menu; its option values are the commands
RUN_PREFIX = "switchboard:run:"  # a choice button: the custom_id carries its command
STOP_ID = "switchboard:stop"  # the Stop button under an answer being written
PICKERS = ("/model",)  # choices for these commands make a select menu
MAX_OPTIONS = 25  # Discord's limit for one select menu
MAX_VALUE = 100  # an option's label and value; a custom_id
MAX_BUTTONS = 5  # one row


class _Static(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False  # not kept in discord.py's view store: Intake routes clicks by custom_id


class ChoiceMenu(_Static):
    """A select whose option values are the commands the choices send."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        super().__init__()
        usable = [c for c in choices if len(c.command) <= MAX_VALUE][:MAX_OPTIONS]
        options = [discord.SelectOption(label=c.label[:MAX_VALUE], value=c.command) for c in usable]
        self.add_item(discord.ui.Select(custom_id=CHOICE_ID, placeholder="Choose…", options=options))


class ChoiceButtons(_Static):
    """A few actions (Continue), one button each."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        super().__init__()
        for choice in choices[:MAX_BUTTONS]:
            self.add_item(discord.ui.Button(label=choice.label[:80], custom_id=RUN_PREFIX + choice.command,
                                            style=discord.ButtonStyle.primary))


class StopButton(_Static):
    def __init__(self) -> None:
        super().__init__()
        self.add_item(discord.ui.Button(label="Stop", emoji="■", custom_id=STOP_ID, style=discord.ButtonStyle.danger))


def _fits(choice: Choice) -> bool:
    return len(RUN_PREFIX + choice.command) <= MAX_VALUE


def menu(choices: Sequence[Choice]) -> discord.ui.View | None:
    usable = [c for c in choices if _fits(c)]
    if not usable:
        return None
    if any(c.command.startswith(PICKERS) for c in usable):
        return ChoiceMenu(usable)
    return ChoiceButtons(usable)


def components(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    """The raw component rows, for interaction webhook payloads ([] removes a menu)."""
    view = menu(choices)
    return view.to_components() if view is not None else []


def stop_components() -> list[dict[str, Any]]:
    return StopButton().to_components()


def chosen_command(interaction: discord.Interaction) -> str | None:
    """The command a click on one of our menus or choice buttons sends; None for anything else."""
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    values = data.get("values")
    # A list of strings is all a select sends; anything else (a dict read at [0]: KeyError) chooses nothing.
    if custom_id == CHOICE_ID and isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    if custom_id.startswith(RUN_PREFIX):
        return custom_id.removeprefix(RUN_PREFIX)
    return None


def is_stop(interaction: discord.Interaction) -> bool:
    data: Any = interaction.data or {}
    return str(data.get("custom_id", "")) == STOP_ID

"""Notice buttons: each Choice becomes a button whose value is the command it sends."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bots.slack.formatting import Block
from core.commands import parse_command
from core.types import Choice

ACTION_PREFIX = "switchboard_choice_"
ACTION_PATTERN = re.compile(rf"^{ACTION_PREFIX}\d+$")
BUTTONS_PER_BLOCK = 25  # Block Kit: at most 25 elements in one actions block
LABEL_MAX = 75  # a button's text
VALUE_MAX = 2000  # a button's value


def button_blocks(choices: Sequence[Choice]) -> list[Block]:
    buttons = [
        {"type": "button", "action_id": f"{ACTION_PREFIX}{i}",
         "text": {"type": "plain_text", "text": c.label[:LABEL_MAX], "emoji": True},
         "value": c.command[:VALUE_MAX]}
        for i, c in enumerate(choices)
    ]
    return [{"type": "actions", "elements": buttons[i:i + BUTTONS_PER_BLOCK]}
            for i in range(0, len(buttons), BUTTONS_PER_BLOCK)]


def command_of(action: Mapping[str, Any]) -> str | None:
    """The pressed button's command; anything that is not a command is ignored."""
    value = str(action.get("value", ""))
    return value if parse_command(value) is not None else None

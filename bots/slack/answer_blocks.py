"""The blocks under an answer: a Stop button while it is written, thumbs up / down once it is
finished (a `context_actions` block with `feedback_buttons`); and reading a click on them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bots.slack.formatting import Block
from core.store.feedback import Rating

STOP_ACTION = "switchboard_stop"
FEEDBACK_ACTION = "switchboard_feedback"
MODEL_MAX = 500  # of a button value's 2,000 characters


def stop_block() -> Block:
    button = {"type": "button", "action_id": STOP_ACTION, "style": "danger", "value": "/stop",
              "text": {"type": "plain_text", "text": "■ Stop", "emoji": True}}
    return {"type": "actions", "elements": [button]}


def feedback_block(answer: str, model: str) -> Block:
    """Thumbs up / down for one answer (`answer`: the question's event id); each value says
    which answer, which rating and which model, so a click needs nothing else to be counted."""
    def button(emoji: str, rating: Rating, label: str) -> dict[str, Any]:
        value = json.dumps({"r": rating, "a": answer, "m": model[:MODEL_MAX]}, separators=(",", ":"))
        return {"text": {"type": "plain_text", "text": emoji}, "value": value, "accessibility_label": label}

    element = {"type": "feedback_buttons", "action_id": FEEDBACK_ACTION,
               "positive_button": button("👍", "up", "Good answer"),
               "negative_button": button("👎", "down", "Bad answer")}
    return {"type": "context_actions", "elements": [element]}


@dataclass(frozen=True)
class Rated:
    rating: Rating
    answer: str
    model: str


def rated(action: Mapping[str, Any]) -> Rated | None:
    """The rating a feedback click carries; None for a value we did not write."""
    try:
        value = json.loads(str(action.get("value", "")))
    except (ValueError, RecursionError):  # RecursionError: a value nested past the parser's depth
        return None
    if not isinstance(value, dict) or value.get("r") not in ("up", "down") or not value.get("a"):
        return None
    return Rated(value["r"], str(value["a"]), str(value.get("m", "")))

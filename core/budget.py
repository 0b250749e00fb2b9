"""Fit a conversation into the model's window: oldest turns go first, the system prompt stays."""

from __future__ import annotations

from dataclasses import dataclass

from core.tokens import estimate_tokens
from core.types import Turn


@dataclass(frozen=True)
class Fitted:
    turns: list[Turn]  # the history that fits, oldest first
    dropped: int  # how many stored turns were left out
    prompt_tokens: int  # estimate for system + history + the new message


def fit_history(
    system: str,
    history: list[Turn],
    new_message_tokens: int,
    *,
    window: int,
    reply_reserve: int,
) -> Fitted | None:
    """None when even the system prompt and the new message alone do not fit."""
    budget = window - reply_reserve - estimate_tokens(system) - new_message_tokens
    if budget < 0:
        return None
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        if used + turn.tokens > budget:
            break
        kept.append(turn)
        used += turn.tokens
    kept.reverse()
    # Start on a user turn: some APIs (Anthropic) refuse a leading assistant message.
    while kept and kept[0].role != "user":
        used -= kept[0].tokens
        kept.pop(0)
    prompt = window - reply_reserve - budget + used
    return Fitted(kept, len(history) - len(kept), prompt)

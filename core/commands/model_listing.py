"""What /model shows: the catalog a page at a time, or the models matching some words, with
the current and the user's recent models first, and a button for each usable one (a helper
of model.py)."""

from __future__ import annotations

from dataclasses import dataclass

from core.llm.base import ModelInfo
from core.llm.gate import check_window
from core.llm.gate import tokens_k as _k
from core.types import Choice

PAGE_SIZE = 20  # models per page; with the page buttons it stays under Discord's 25 menu options


@dataclass(frozen=True)
class Listing:
    text: str
    choices: list[Choice]


def first_for(models: list[ModelInfo], current: str, recent: list[str]) -> list[ModelInfo]:
    """The current model, then the user's recent ones (newest first), then the rest in catalog order."""
    by_id = {m.id: m for m in models}
    front = [by_id[i] for i in dict.fromkeys([current, *recent]) if i in by_id]
    ahead = {m.id for m in front}
    return front + [m for m in models if m.id not in ahead]


def _lines(models: list[ModelInfo], current: str, recent: list[str], minimum: int) -> tuple[list[str], list[Choice]]:
    lines: list[str] = []
    buttons: list[Choice] = []
    for info in models:
        window = f" ({_k(info.context_window)})" if info.context_window else ""
        if check_window(info, minimum):
            lines.append(f"• {info.id}{window} — unavailable: under the {_k(minimum)} minimum")
            continue
        mark = " ← current" if info.id == current else " (recent)" if info.id in recent else ""
        sees = " · reads images" if info.vision else ""
        lines.append(f"• {info.id}{window}{sees}{mark}")
        if info.id != current:
            buttons.append(Choice(info.id, f"/model {info.id}"))
    return lines, buttons


def page(models: list[ModelInfo], number: int, *, current: str, recent: list[str], minimum: int) -> Listing:
    """Page `number` (from 1; past the end: the last page) of the whole catalog."""
    pages = max(1, -(-len(models) // PAGE_SIZE))
    number = min(max(number, 1), pages)
    shown = models[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    lines, buttons = _lines(shown, current, recent, minimum)
    where = f" (page {number} of {pages}, {len(models)} models)" if pages > 1 else ""
    text = [f"Current model: {current}", "", f"Available on this endpoint{where}:", *lines, ""]
    hint = "Switch with /model <id>, search with /model <words>"
    text.append(hint + (f", more with /model page {number + 1}." if number < pages else "."))
    if number > 1:
        buttons.append(Choice("← Previous page", f"/model page {number - 1}"))
    if number < pages:
        buttons.append(Choice("Next page →", f"/model page {number + 1}"))
    return Listing("\n".join(text), buttons)


def matches(found: list[ModelInfo], words: str, *, current: str, recent: list[str], minimum: int) -> Listing:
    """The models whose ids contain every word, as choices (the first page of them)."""
    lines, buttons = _lines(found[:PAGE_SIZE], current, recent, minimum)
    text = [f"Models matching {words!r} ({len(found)}):", *lines, ""]
    if len(found) > PAGE_SIZE:
        text.append(f"… and {len(found) - PAGE_SIZE} more: add a word to narrow it down.")
    text.append("Switch with /model <id>, or choose one.")
    return Listing("\n".join(text), buttons)

"""A model id a person typed, checked against the endpoint's list (for /model and /chatmodel)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.hygiene import quoted
from core.llm.errors import ModelError
from core.llm.gate import check_window
from core.llm.suggest import closest_usable
from core.services import Core

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Picked:
    model: str | None  # the listed id to use; None: refused, `line` says why
    line: str = ""  # the refusal, or a note to add to the confirmation


async def pick_model(core: Core, wanted: str) -> Picked:
    """The listed model `wanted` names (case-insensitively), or a line saying why not: unknown
    (quoted shortened, with the closest ids) or under the minimum window. An unavailable list
    lets the id through, with a note saying it was not checked."""
    try:
        models = await core.catalog.models()
    except ModelError as exc:
        log.warning("listing models failed while switching: %s", exc)
        models = []
    if not models:
        return Picked(wanted, " (the endpoint's model list was unavailable, so it was not checked)")
    info = next((m for m in models if m.id.lower() == wanted.lower()), None)
    if info is None:
        close = closest_usable(wanted[:200], models, core.settings.min_context_tokens)
        hint = f" Did you mean {', '.join(close)}?" if close else " Send /model to see the list."
        return Picked(None, f"Unknown model {quoted(wanted)}.{hint}")
    refusal = check_window(info, core.settings.min_context_tokens)
    if refusal:
        return Picked(None, refusal + " Pick another with /model.")
    return Picked(info.id)

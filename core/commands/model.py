"""/model: the current model and the endpoint's models a page at a time (/model page N), the
models matching some words (/model <words>), or a switch of this user's model (/model <id>)."""

from __future__ import annotations

import logging
import re

from core.commands.base import Command, CommandContext
from core.commands.model_listing import first_for, matches, page
from core.hygiene import quoted
from core.llm.base import ModelInfo
from core.llm.errors import ModelError
from core.llm.gate import check_window, usable
from core.llm.suggest import closest_usable, matching_models

log = logging.getLogger(__name__)

_PAGE = re.compile(r"page\s+(\d+)", re.IGNORECASE)


async def _models(ctx: CommandContext) -> list[ModelInfo] | None:
    """The endpoint's models; None (logged) when the list is unavailable."""
    try:
        return await ctx.core.catalog.models()
    except ModelError as exc:
        log.warning("listing models failed: %s", exc)
        return None


async def _ordered(ctx: CommandContext, models: list[ModelInfo], current: str) -> tuple[list[ModelInfo], list[str]]:
    recent = await ctx.core.choices.recent(ctx.inbound.platform, ctx.inbound.user_id)
    return first_for(models, current, recent), recent


async def _listing(ctx: CommandContext, current: str, number: int) -> None:
    try:
        models = await ctx.core.catalog.models()
    except ModelError as exc:
        log.warning("listing models failed: %s", exc)
        await ctx.outlet.notice(f"Current model: {current}\nCould not list the endpoint's models: {exc.user_message()}")
        return
    ordered, recent = await _ordered(ctx, models, current)
    shown = page(ordered, number, current=current, recent=recent, minimum=ctx.core.settings.min_context_tokens)
    await ctx.outlet.notice(shown.text, shown.choices)


async def _switch(ctx: CommandContext, words: str, current: str) -> None:
    models = await _models(ctx) or []
    minimum = ctx.core.settings.min_context_tokens
    wanted = words.split()[0]
    by_id = {m.id.lower(): m for m in models}
    info = by_id.get(words.strip().lower())
    if info is None and models:
        found = matching_models(models, words)
        if not any(usable(m, minimum) for m in found):  # nothing to choose: say what comes closest
            close = closest_usable(wanted[:200], models, minimum)
            hint = f" Did you mean {', '.join(close)}?" if close else " Send /model to see the list."
            await ctx.outlet.notice(f"Unknown model {quoted(words)}.{hint}")
            return
        ordered, recent = await _ordered(ctx, found, current)
        listing = matches(ordered, words, current=current, recent=recent, minimum=minimum)
        await ctx.outlet.notice(listing.text, listing.choices)
        return
    if info is not None:
        refusal = check_window(info, minimum)
        if refusal:
            await ctx.outlet.notice(refusal + " Pick another with /model.")
            return
        wanted = info.id
    await ctx.core.choices.set(ctx.inbound.platform, ctx.inbound.user_id, wanted)
    note = "" if models else " (the endpoint's model list was unavailable, so it was not checked)"
    await ctx.outlet.notice(f"Model switched to {wanted}{note}.")


async def model(ctx: CommandContext) -> None:
    current = await ctx.core.current_model(ctx.inbound)
    paging = _PAGE.fullmatch(ctx.args.strip())
    if not ctx.args or paging:
        await _listing(ctx, current, int(paging[1]) if paging else 1)
    else:
        await _switch(ctx, ctx.args, current)


MODEL = Command("model", "show models, search them, or switch with /model <id>", model,
                usage="[id | words | page N]")

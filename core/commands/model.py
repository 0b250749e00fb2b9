"""/model: show the current model and the endpoint's models, or switch this user's model."""

from __future__ import annotations

import logging

from core.commands.base import Command, CommandContext
from core.llm.errors import ModelError
from core.llm.gate import check_window
from core.llm.gate import tokens_k as _k
from core.llm.suggest import closest_usable
from core.types import Choice

log = logging.getLogger(__name__)

MAX_LISTED = 30
MAX_BUTTONS = 12


async def _listing(ctx: CommandContext, current: str) -> None:
    minimum = ctx.core.settings.min_context_tokens
    try:
        models = await ctx.core.catalog.models()
    except ModelError as exc:
        log.warning("listing models failed: %s", exc)
        await ctx.outlet.notice(f"Current model: {current}\nCould not list the endpoint's models: {exc.user_message()}")
        return
    lines = [f"Current model: {current}", "", "Available on this endpoint:"]
    buttons: list[Choice] = []
    for info in models[:MAX_LISTED]:
        window = f" ({_k(info.context_window)})" if info.context_window else ""
        mark = " ← current" if info.id == current else ""
        if check_window(info, minimum):
            lines.append(f"• {info.id}{window} — unavailable: under the {_k(minimum)} minimum")
            continue
        sees = " · reads images" if info.vision else ""
        lines.append(f"• {info.id}{window}{sees}{mark}")
        if info.id != current and len(buttons) < MAX_BUTTONS:
            buttons.append(Choice(info.id, f"/model {info.id}"))
    if len(models) > MAX_LISTED:
        lines.append(f"… and {len(models) - MAX_LISTED} more.")
    lines += ["", "Switch with /model <id>."]
    await ctx.outlet.notice("\n".join(lines), buttons)


async def _switch(ctx: CommandContext, wanted: str) -> None:
    try:
        models = await ctx.core.catalog.models()
    except ModelError as exc:
        log.warning("listing models failed while switching: %s", exc)
        models = []
    by_id = {m.id.lower(): m for m in models}
    info = by_id.get(wanted.lower())
    if models and info is None:
        close = closest_usable(wanted, models, ctx.core.settings.min_context_tokens)
        hint = f" Did you mean {', '.join(close)}?" if close else " Send /model to see the list."
        await ctx.outlet.notice(f"Unknown model {wanted!r}.{hint}")
        return
    if info is not None:
        refusal = check_window(info, ctx.core.settings.min_context_tokens)
        if refusal:
            await ctx.outlet.notice(refusal + " Pick another with /model.")
            return
        wanted = info.id
    await ctx.core.choices.set(ctx.inbound.platform, ctx.inbound.user_id, wanted)
    note = "" if models else " (the endpoint's model list was unavailable, so it was not checked)"
    await ctx.outlet.notice(f"Model switched to {wanted}{note}.")


async def model(ctx: CommandContext) -> None:
    current = await ctx.core.current_model(ctx.inbound)
    if ctx.args:
        await _switch(ctx, ctx.args.split()[0])
    else:
        await _listing(ctx, current)


MODEL = Command("model", "show models, or switch with /model <id>", model, usage="[id]")

"""/model: show the current model and the endpoint's models, or switch this user's model."""

from __future__ import annotations

import logging

from core.commands.base import Command, CommandContext
from core.commands.model_pick import pick_model
from core.llm.errors import ModelError
from core.llm.gate import check_window
from core.llm.gate import tokens_k as _k
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
        lines.append(f"• {info.id}{window}{mark}")
        if info.id != current and len(buttons) < MAX_BUTTONS:
            buttons.append(Choice(info.id, f"/model {info.id}"))
    if len(models) > MAX_LISTED:
        lines.append(f"… and {len(models) - MAX_LISTED} more.")
    lines += ["", "Switch with /model <id>."]
    await ctx.outlet.notice("\n".join(lines), buttons)


async def _switch(ctx: CommandContext, wanted: str) -> None:
    picked = await pick_model(ctx.core, wanted)
    if picked.model is None:
        await ctx.outlet.notice(picked.line)
        return
    await ctx.core.choices.set(ctx.inbound.platform, ctx.inbound.user_id, picked.model)
    await ctx.outlet.notice(f"Model switched to {picked.model}{picked.line}.")


async def model(ctx: CommandContext) -> None:
    current = await ctx.core.current_model(ctx.inbound)
    if ctx.args:
        await _switch(ctx, ctx.args.split()[0])
    else:
        await _listing(ctx, current)


MODEL = Command("model", "show models, or switch with /model <id>", model, usage="[id]")

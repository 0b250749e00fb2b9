"""/ask <text>: address the bot explicitly (groups, slash commands)."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


async def ask(ctx: CommandContext) -> str | None:
    if not ctx.args:
        await ctx.outlet.notice("Usage: /ask <your question>")
        return None
    return ctx.args


# Its argument is the question: MAX_INPUT_CHARS bounds it (validate.py), nothing shorter.
ASK = Command("ask", "ask the model (useful in groups)", ask, usage="<text>", max_args=None)

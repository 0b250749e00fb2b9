"""/usage: this user's requests and tokens so far."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


async def usage(ctx: CommandContext) -> None:
    totals = await ctx.core.usage.get(ctx.inbound.platform, ctx.inbound.user_id)
    await ctx.outlet.notice(
        f"Requests: {totals.requests}\n"
        f"Tokens in: {totals.input_tokens:,}\n"
        f"Tokens out: {totals.output_tokens:,}\n"
        f"Total: {totals.input_tokens + totals.output_tokens:,}"
    )


USAGE = Command("usage", "your token usage", usage)

"""/usage: this user's tokens today and this month against their budget, the cost when prices
are known, and their all-time counts."""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.commands.spending import user_lines


async def usage(ctx: CommandContext) -> None:
    platform, user = ctx.inbound.platform, ctx.inbound.user_id
    lines = await user_lines(ctx.core, platform, user)
    totals = await ctx.core.usage.get(platform, user)
    lines.append(f"All time: {totals.requests:,} request{'s' if totals.requests != 1 else ''}, "
                 f"{totals.input_tokens:,} tokens in, "
                 f"{totals.output_tokens:,} out")
    await ctx.outlet.notice("\n".join(lines))


USAGE = Command("usage", "your tokens today and this month, what is left, and when it resets", usage)

"""/approve CODE (admins): let in the person who was given this pairing code."""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.hygiene import quoted
from core.store.pairing import CODE_LENGTH, who


async def approve(ctx: CommandContext) -> None:
    if not ctx.args:
        await ctx.outlet.notice("Usage: /approve CODE (the code the person was given)")
        return
    by = who(ctx.inbound.platform, ctx.inbound.user_id)
    approval = await ctx.core.pairings.approve(ctx.args, by=by)
    if approval is None:
        await ctx.outlet.notice(f"No pending code {quoted(ctx.args, CODE_LENGTH + 4)}: wrong, used, "
                                "or expired (codes last an hour).")
        return
    name = f" ({approval.name})" if approval.name else ""
    await ctx.outlet.notice(f"Approved {who(approval.platform, approval.user_id)}{name}: "
                            "their next message goes through.")


APPROVE = Command("approve", "let in the person with this pairing code", approve, usage="CODE", admin=True,
                  max_args=40)

"""/revoke PLATFORM:USER_ID (admins): take a pairing approval back."""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.hygiene import quoted
from core.store.pairing import parse_who, who


async def revoke(ctx: CommandContext) -> None:
    target = parse_who(ctx.args)
    if target is None:
        await ctx.outlet.notice("Usage: /revoke PLATFORM:USER_ID, e.g. /revoke telegram:123456")
        return
    if await ctx.core.pairings.revoke(*target):
        await ctx.outlet.notice(f"Revoked {who(*target)}: their next message gets a new pairing code.")
    else:
        await ctx.outlet.notice(f"{quoted(who(*target))} was not approved by pairing (allowlists and ADMINS "
                                "are settings: change them there).")


REVOKE = Command("revoke", "take a pairing approval back", revoke, usage="PLATFORM:USER_ID", admin=True)

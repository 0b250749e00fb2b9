"""/quota PLATFORM:USER_ID N [day|month] (admins): one user's own token budget.

N = 0 lifts the limit for that user; `reset` goes back to USER_DAILY_TOKENS /
USER_MONTHLY_TOKENS; without N it shows the user's spending.
"""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.commands.spending import user_lines
from core.store.ledger import Period
from core.store.pairing import parse_who, who

USAGE = "Usage: /quota PLATFORM:USER_ID N [day|month] (N tokens, 0 = no limit), or reset"
MAX_TOKENS = 10**12
ADJECTIVE: dict[Period, str] = {"day": "daily", "month": "monthly"}


async def quota(ctx: CommandContext) -> None:
    words = ctx.args.split()
    target = parse_who(words[0]) if words else None
    if target is None or len(words) > 3:
        await ctx.outlet.notice(USAGE)
        return
    name = who(*target)
    if len(words) == 1:
        await ctx.outlet.notice("\n".join([name, *await user_lines(ctx.core, *target)]))
        return
    periods: tuple[Period, ...] = ("day", "month")
    if len(words) == 3:
        if words[2].lower() not in periods:
            await ctx.outlet.notice(USAGE)
            return
        periods = (words[2].lower(),)  # type: ignore[assignment]
    amount = words[1].replace(",", "").replace("_", "")
    if words[1].lower() == "reset":
        for period in periods:
            await ctx.core.ledger.set_limit(*target, period, None)
        await ctx.outlet.notice(f"{name} is back on the default budget.")
        return
    if not amount.isdecimal() or int(amount) > MAX_TOKENS:
        await ctx.outlet.notice(USAGE)
        return
    period = periods[0]
    await ctx.core.ledger.set_limit(*target, period, int(amount))
    limit = f"{int(amount):,} tokens a {period}" if int(amount) else f"no {ADJECTIVE[period]} limit"
    await ctx.outlet.notice(f"{name} now has {limit}.")


QUOTA = Command("quota", "one user's token budget (0 = no limit)", quota,
                usage="PLATFORM:USER_ID N [day|month]", admin=True)

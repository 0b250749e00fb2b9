"""/stats (admins): users, messages and tokens today and this month, per model, top users.

Built from sections, each a function of the command's context returning its lines; another
part of Switchboard adds its own with `STATS_SECTIONS.append(...)` (e.g. feedback counts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.commands.base import Command, CommandContext
from core.commands.spending import PERIOD_NAMES, cost, dollars
from core.hygiene import shorten
from core.services import Core
from core.store.ledger import Period, Periods, Tally

Section = Callable[[CommandContext], Awaitable[list[str]]]
TOP_USERS = 5


async def _period_lines(core: Core, period: Period, tally: Tally, users: dict[str, int]) -> list[str]:
    spent = await cost(core, tally)
    money = f", {dollars(spent)}" if spent and tally.tokens else ""
    lines = [f"{PERIOD_NAMES[period]} (UTC): {len(users)} user{'s' if len(users) != 1 else ''}, "
             f"{tally.messages:,} messages, {tally.tokens:,} tokens{money}"]
    for model, (tokens_in, tokens_out, messages) in sorted(tally.by_model.items(), key=lambda kv: -sum(kv[1][:2])):
        lines.append(f"  {shorten(model, 60)}: {messages:,} messages, {tokens_in:,} in / {tokens_out:,} out")
    return lines


async def usage_section(ctx: CommandContext) -> list[str]:
    periods = Periods.at()
    day, month, day_users, month_users = await ctx.core.ledger.totals(periods)
    lines = await _period_lines(ctx.core, "day", day, day_users)
    lines += await _period_lines(ctx.core, "month", month, month_users)
    top = sorted(month_users.items(), key=lambda kv: -kv[1])[:TOP_USERS]
    if top:
        names = await ctx.core.ledger.names([person for person, _ in top])
        people = [f"{shorten(names[p], 40)} ({p})" if p in names else p for p, _ in top]
        lines.append("Most tokens this month: " + "; ".join(f"{who} {tokens:,}" for who, (_, tokens)
                                                            in zip(people, top, strict=True)))
    return lines


async def access_section(ctx: CommandContext) -> list[str]:
    core = ctx.core
    line = f"Access: ACCESS_POLICY={core.access.policy}"
    if core.access.policy == "pairing":
        approved, pending = await core.pairings.approved(), await core.pairings.pending()
        line += f", {len(approved)} approved by pairing, {len(pending)} code{'s' if len(pending) != 1 else ''} pending"
    return [line]


STATS_SECTIONS: list[Section] = [usage_section, access_section]


async def stats(ctx: CommandContext) -> None:
    lines: list[str] = []
    for section in STATS_SECTIONS:
        lines += await section(ctx)
    await ctx.outlet.notice("\n".join(lines))


STATS = Command("stats", "users, messages and tokens today and this month, per model", stats, admin=True)

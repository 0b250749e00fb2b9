"""How /usage, /quota and /stats put tokens and money into words."""

from __future__ import annotations

from core.services import Core
from core.store.ledger import Period, Periods, Tally, TokenLimits
from core.when import resets

PERIOD_NAMES: dict[Period, str] = {"day": "Today", "month": "This month"}


def dollars(amount: float) -> str:
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.4f}"


async def cost(core: Core, tally: Tally) -> float | None:
    """What a period's tokens cost, or None when any model in it has no known price."""
    if not tally.by_model:
        return 0.0
    prices = await core.prices.prices(sorted(tally.by_model))
    if len(prices) < len(tally.by_model):
        return None
    return sum(prices[m].input * t[0] + prices[m].output * t[1] for m, t in tally.by_model.items())


def budget_line(period: Period, tally: Tally, limits: TokenLimits, periods: Periods) -> str:
    """"Today: 1,234 tokens of 10,000 (8,766 left); resets at 00:00 UTC (in 5 h)"."""
    limit = limits.of(period)
    head = f"{PERIOD_NAMES[period]}: {tally.tokens:,} tokens"
    if not limit:
        return head + " (no limit)"
    left = max(0, limit - tally.tokens)
    own = ", set by /quota" if period in limits.own else ""
    when = resets(periods.ends(period), periods.now, dated=period == "month")
    return f"{head} of {limit:,}{own} ({left:,} left); {when}"


async def user_lines(core: Core, platform: str, user_id: str) -> list[str]:
    """A user's budget lines for today and this month, and this month's cost when prices are known."""
    periods = Periods.at()
    day, month, limits = await core.ledger.user(platform, user_id, periods)
    lines = [budget_line("day", day, limits, periods), budget_line("month", month, limits, periods)]
    spent = await cost(core, month)
    if spent is not None and month.tokens:
        lines.append(f"Cost this month: {dollars(spent)}")
    return lines

"""A user over their token budget (USER_DAILY_TOKENS, USER_MONTHLY_TOKENS, /quota) gets one line
saying when it resets; nothing goes to the model. Commands ran before this step, so /usage
still answers. Admins are never held back.

With neither setting on, this step reads nothing (no round trip per message): a /quota set for
one person is then enforced by the answer's own context read (core/pipeline/answer.py), which
refuses their queued message the same way.
"""

from __future__ import annotations

import logging

from core.services import Core
from core.store.ledger import OverQuota, Periods
from core.types import Inbound
from core.when import resets

log = logging.getLogger(__name__)


def over_line(over: OverQuota, now: float) -> str:
    what = "today's" if over.period == "day" else "this month's"
    when = resets(over.resets_at, now, dated=over.period == "month")
    return f"You have used {what} {over.limit:,} tokens. Your budget {when}; see /usage."


async def quota(inbound: Inbound, core: Core) -> Inbound | None:
    if core.access.is_admin(inbound) or not (core.ledger.daily or core.ledger.monthly):
        return inbound
    periods = Periods.at()
    over = core.ledger.over(await core.ledger.quota(inbound.platform, inbound.user_id, periods), periods)
    if over is None:
        return inbound
    log.info("%s user %s over their %s budget (%d of %d tokens)", inbound.platform, inbound.user_id,
             over.period, over.used, over.limit)
    core.notices.send(inbound, over_line(over, periods.now))
    return None

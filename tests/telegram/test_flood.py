"""A 429 storm: the reply pauses and merges, loses nothing, and keeps to the chat's budget."""

from __future__ import annotations

import asyncio
import itertools

from tests.fakes.telegram_models import Call
from tests.telegram.conftest import GROUP_CHAT, StartBot

BUDGET = 0.3  # seconds between updates to the group (the real one is 3 s)


def _updates(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")
            and c.params.get("chat_id") == GROUP_CHAT]


async def test_429_storm_loses_no_text_and_keeps_the_budget(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"group_interval": BUDGET})
    bot.fake.flood_limit(BUDGET * 0.8)  # a little slack for request latency jitter
    answer = " ".join(f"w{i}" for i in range(60))
    bot.model.reply, bot.model.hold, bot.model.hold_after = answer, asyncio.Event(), 5
    bot.say("@switchboard_bot go", chat=GROUP_CHAT, user=7)
    await bot.fake.wait_for(lambda: bot.fake.sent_to(GROUP_CHAT), what="the first page")
    bot.fake.fail_next("editMessageText", 429, retry_after=1, times=3)
    bot.model.hold.set()
    await bot.reply_is(GROUP_CHAT, answer, timeout=10)

    assert bot.fake.violations == []
    updates = _updates(bot.fake.calls)
    refused = [c for c in updates if c.status == 429]
    done = [c for c in updates if c.status == 200]
    assert len(refused) == 3
    assert all(b.at - a.at >= BUDGET * 0.8 for a, b in itertools.pairwise(done))
    for no in refused:  # retry_after is honoured: nothing goes to the chat before it runs out
        after = [c.at for c in updates if c.at > no.at]
        assert after and after[0] - no.at >= 0.95

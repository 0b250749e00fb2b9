"""A 429 storm: the reply pauses and merges, loses nothing, and keeps to the chat's budget."""

from __future__ import annotations

import asyncio
import itertools

from bots.telegram.adapter import PRIVATE_INTERVAL
from tests.fakes.flood import TELEGRAM_PRIVATE, FloodRule
from tests.fakes.telegram_models import Call
from tests.telegram.conftest import GROUP_CHAT, PRIVATE_CHAT, StartBot
from tests.telegram.test_private import ANSWER

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


def _words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


async def test_steady_streaming_keeps_to_telegrams_flood_rule(start_bot: StartBot) -> None:
    # Telegram's private-chat rule and the adapter's budget, both 5x faster than the real ones.
    bot = await start_bot(adapter={"private_interval": PRIVATE_INTERVAL * 0.2})
    bot.fake.flood_limit(TELEGRAM_PRIVATE.scaled(0.2))
    answer = bot.model.reply = _words(60)
    bot.model.token_interval = 0.03  # ~1.8 s of streaming: many previews
    bot.say("stream a while")
    await bot.reply_is(PRIVATE_CHAT, answer, timeout=15)
    assert bot.fake.violations == [] and [c for c in bot.fake.calls if c.status == 429] == []
    assert len(bot.fake.drafts) >= 3  # it did stream, at the sustained rate


async def test_the_final_text_takes_the_token_previews_left(start_bot: StartBot) -> None:
    # With a 30 s interval one preview empties the strict slot: only the burst lets the final go now.
    bot = await start_bot(adapter={"private_interval": 30.0, "burst": 2})
    bot.fake.flood_limit(FloodRule(interval=30.0, burst=2))
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("count to ten")
    await bot.fake.wait_for(lambda: bot.fake.drafts, what="a draft")
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, ANSWER)
    assert bot.fake.violations == [] and len(bot.fake.drafts) == 1


async def test_a_budget_faster_than_the_platform_pauses_and_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"private_interval": 0.05, "burst": 2})
    bot.fake.flood_limit(FloodRule(interval=0.5, burst=1))  # Telegram stricter than we assumed
    answer = bot.model.reply = _words(30)
    bot.model.token_interval = 0.04
    bot.say("stream a while")
    await bot.reply_is(PRIVATE_CHAT, answer, timeout=20)
    refused = [c for c in bot.fake.calls if c.status == 429]
    assert bot.fake.violations and len(refused) == len(bot.fake.violations)
    calls = [c for c in bot.fake.calls if c.method in ("sendMessageDraft", "sendMessage")]
    for no in refused:  # retry_after (1 s) is honoured: nothing goes to the chat before it runs out
        after = [c.at for c in calls if c.at > no.at]
        assert after and after[0] - no.at >= 0.95

"""Mentions never ping, 429s never lose text, an expired interaction token never loses text."""

from __future__ import annotations

import asyncio

from bots.discord.adapter import EDIT_INTERVAL
from tests.discord.conftest import StartBot
from tests.discord.test_messages import ANSWER
from tests.fakes.flood import DISCORD_CHANNEL, FloodRule

EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
EDIT_ORIGINAL = "PATCH /webhooks/{app_id}/{token}/messages/@original"


async def test_everyone_in_model_output_pings_no_one(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply = f"@everyone @here <@{fake.bob['id']}> <@&{fake.helper_role_id}> look"
    fake.user_message("say hi to all", mention=True)
    record = fake.slash("ask", {"prompt": "again"})
    await bot.response_is(record, bot.model.reply)
    await bot.channel_says(fake.channel_id, bot.model.reply, bot.model.reply)  # the reply, the response
    writes = fake.writes()
    assert len(writes) >= 2 and fake.pings == []
    assert all(call.body["allowed_mentions"] == {"parse": []} for call in writes)


async def test_a_429_on_an_edit_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    fake.user_message("count", mention=True)
    await fake.wait_for(lambda: fake.bot_messages(fake.channel_id), what="the first page")
    fake.rate_limit(EDIT, retry_after=0.05)  # discord.py waits and retries this one itself
    bot.model.hold.set()
    await bot.channel_says(fake.channel_id, ANSWER)
    assert [c.status for c in fake.calls_to(EDIT)][:2] == [429, 200]


async def test_a_429_storm_past_discord_py_retries_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    fake.user_message("count", mention=True)
    await fake.wait_for(lambda: fake.bot_messages(fake.channel_id), what="the first page")
    fake.rate_limit(EDIT, times=7, retry_after=0.02)  # more than discord.py's 5 tries: the core retries
    bot.model.hold.set()
    await bot.channel_says(fake.channel_id, ANSWER)
    statuses = [c.status for c in fake.calls_to(EDIT)]
    assert statuses.count(429) == 7 and statuses[-1] == 200


async def test_a_429_on_the_original_response_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.rate_limit(EDIT_ORIGINAL, times=6, retry_after=0.02)
    record = fake.slash("ask", {"prompt": "through the storm"})
    await bot.response_is(record, "You said: through the storm")
    assert [c.status for c in fake.calls_to(EDIT_ORIGINAL)].count(429) == 6


async def test_a_reply_outliving_its_token_continues_as_channel_messages(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    record = fake.slash("ask", {"prompt": "slow one"})
    original = await fake.wait_for(lambda: fake.original_where(record, lambda m: m.content),
                                   what="the first words in the original response")
    assert original is not None
    fake.token_life = 0.0  # the 15 minutes are up
    bot.model.hold.set()
    await fake.wait_for(lambda: fake.texts(fake.channel_id)[-1:] == [ANSWER], what="the answer in the channel")
    await bot.gateway.join()
    assert original.content.startswith("one two three") and original.content != ANSWER  # left as it was
    assert fake.calls_to(EDIT_ORIGINAL)[-1].status == 401


def _words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


async def test_steady_streaming_keeps_to_discords_channel_limit(start_bot: StartBot) -> None:
    # Discord's 5 per 5 s and the adapter's budget (1.3 s, burst 2), both twice as fast.
    bot = await start_bot(adapter={"edit_interval": EDIT_INTERVAL * 0.5})
    fake = bot.fake
    fake.flood_limit(DISCORD_CHANNEL.scaled(0.5))
    answer = bot.model.reply = _words(40)
    bot.model.token_interval = 0.075  # ~3 s of streaming: the window fills
    fake.user_message("stream a while", mention=True)
    await bot.channel_says(fake.channel_id, answer, timeout=15)
    assert fake.violations == [] and len(fake.calls_to(EDIT)) >= 3


async def test_a_budget_faster_than_discord_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"edit_interval": 0.02, "burst": 2})
    fake = bot.fake
    fake.flood_limit(FloodRule(window=(3, 0.5)))  # discord.py waits out each 429 and retries
    answer = bot.model.reply = _words(40)
    bot.model.token_interval = 0.02
    fake.user_message("stream a while", mention=True)
    await bot.channel_says(fake.channel_id, answer, timeout=15)
    assert fake.violations

"""Mentions never ping, 429s never lose text, an expired interaction token never loses text."""

from __future__ import annotations

import asyncio

from tests.discord.conftest import StartBot
from tests.discord.test_messages import ANSWER

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

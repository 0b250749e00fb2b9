"""Rich messages (Bot API 10.1): answers with tables, and long answers, as one rich message where
Telegram accepts it; today's formatting where it refuses."""

from __future__ import annotations

import asyncio

from tests.telegram.conftest import GROUP_CHAT, PRIVATE_CHAT, StartBot
from tests.telegram.test_private import long_answer

TABLE = "Prices:\n\n| fruit | price |\n|---|---:|\n| kiwi | 2 |\n| fig | 3 |\n\nThat is all."


async def test_an_answer_with_a_table_is_one_rich_message(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply = TABLE
    bot.say("prices?")
    await bot.reply_is(PRIVATE_CHAT, TABLE)
    (message,) = bot.fake.sent_to(PRIVATE_CHAT)
    assert message.kind == "rich" and not bot.fake.calls_to("sendMessage")


async def test_a_long_answer_is_one_rich_message_not_two_pages(start_bot: StartBot) -> None:
    bot = await start_bot()
    answer = bot.model.reply = long_answer()
    bot.model.token_interval = 0.0005  # streams long enough for drafts on the way
    bot.say("write a lot")
    await bot.reply_is(PRIVATE_CHAT, answer, timeout=10)
    assert [m.kind for m in bot.fake.sent_to(PRIVATE_CHAT)] == ["rich"]
    assert bot.fake.drafts and all(len(d.text) <= 4096 for d in bot.fake.drafts)


async def test_a_refused_rich_message_goes_as_formatted_pages(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.fail_next("sendRichMessage", 400, "Bad Request: rich messages can't be sent to this chat")
    answer = bot.model.reply = long_answer()
    bot.say("write a lot")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 2, what="two pages")
    await bot.gateway.join()
    assert "\n\n".join(bot.fake.final_texts(PRIVATE_CHAT)) == answer
    bot.model.reply = TABLE  # the next answer tries again
    bot.say("prices?")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 3, what="the table")
    assert bot.fake.sent_to(PRIVATE_CHAT)[-1].kind == "rich"


async def test_a_bot_api_without_rich_messages_is_not_asked_again(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.fail_next("sendRichMessage", 404, "Not Found: method not found")
    bot.model.reply = TABLE
    bot.say("prices?")
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the answer")
    bot.say("again")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 2, what="the second answer")
    await bot.gateway.join()
    assert [m.kind for m in bot.fake.sent_to(PRIVATE_CHAT)] == ["text", "text"]
    assert len([c for c in bot.fake.calls if c.method == "sendRichMessage"]) == 1


async def test_a_group_answer_with_a_table_becomes_rich_when_final(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = TABLE, asyncio.Event(), 2
    bot.say("/ask prices?", chat=GROUP_CHAT, user=7)
    (message,) = await bot.fake.wait_for(lambda: bot.fake.sent_to(GROUP_CHAT), what="the first words")
    assert message.kind == "text"
    bot.model.hold.set()
    await bot.reply_is(GROUP_CHAT, TABLE)
    assert message.kind == "rich" and message.reply_markup is None


async def test_rich_messages_can_be_turned_off(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_rich_messages=False)
    bot.model.reply = TABLE
    bot.say("prices?")
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the answer")
    await bot.gateway.join()
    assert bot.fake.sent_to(PRIVATE_CHAT)[0].kind == "text" and not bot.fake.calls_to("sendRichMessage")

"""Telegram's refusals: formatting -> plain text, "not modified" -> success, too long -> pieces."""

from __future__ import annotations

import asyncio

from tests.fakes.model_server import echo_reply
from tests.telegram.conftest import PRIVATE_CHAT, StartBot

NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup")


async def test_refused_formatting_is_sent_as_plain_text(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply = "Use **bold** here"
    bot.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: Can't find end "
                       "of Bold entity at byte offset 4", match=lambda p: bool(p.get("entities")))
    bot.say("style it")
    await bot.reply_is(PRIVATE_CHAT, "Use **bold** here")
    (message,) = bot.fake.sent_to(PRIVATE_CHAT)
    assert message.entities == []
    refused, plain = bot.fake.calls_to("sendMessage")
    assert refused.status == 400 and plain.status == 200 and "entities" not in plain.params


async def test_refused_formatting_on_the_final_edit_falls_back_too(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_drafts=False)
    bot.model.reply, bot.model.hold, bot.model.hold_after = "a **b** c d", asyncio.Event(), 2
    bot.say("style it")
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the first page")
    bot.fake.fail_next("editMessageText", 400, "Bad Request: can't parse entities: bad entity",
                       match=lambda p: bool(p.get("entities")))
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, "a **b** c d")


async def test_not_modified_counts_as_success(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_drafts=False)
    bot.model.reply, bot.model.hold, bot.model.hold_after = "one two three four", asyncio.Event(), 2
    bot.say("go")
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the first page")
    bot.fake.fail_next("editMessageText", 400, NOT_MODIFIED)
    bot.model.hold.set()
    await bot.fake.wait_for(lambda: bot.fake.calls_to("editMessageText"), what="the edit")
    await bot.gateway.join()
    assert len(bot.fake.calls_to("editMessageText")) == 1  # not retried, no error shown
    assert len(bot.fake.sent_to(PRIVATE_CHAT)) == 1
    bot.model.reply = echo_reply
    bot.say("next")
    await bot.fake.wait_for(lambda: "You said: next" in bot.fake.final_texts(PRIVATE_CHAT))


async def test_message_too_long_is_split_smaller(start_bot: StartBot) -> None:
    bot = await start_bot()
    answer = bot.model.reply = "\n\n".join(f"paragraph {n} " + "x" * 280 for n in range(10))
    bot.fake.fail_next("sendMessage", 400, "Bad Request: message is too long")
    bot.say("long")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 2, what="two pieces")
    await bot.gateway.join()
    assert "\n\n".join(bot.fake.final_texts(PRIVATE_CHAT)) == answer

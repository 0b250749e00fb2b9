"""Private chats: every message is answered, streamed as a draft (or by edits), then sent."""

from __future__ import annotations

import asyncio

from tests.telegram.conftest import PRIVATE_CHAT, StartBot

ANSWER = "one two three four five six seven eight nine ten"


def long_answer() -> str:
    paragraph = " ".join(f"word{i:03d}" for i in range(12))  # 95 characters
    return "\n\n".join(f"{n:02d} {paragraph}" for n in range(60))  # 6,000 characters


async def test_private_message_streams_as_draft_then_one_message(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("count to ten")
    first = await bot.fake.wait_for(lambda: bot.fake.drafts, what="a draft")
    assert first[0].text.startswith("one two three") and not bot.fake.sent_to(PRIVATE_CHAT)
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, ANSWER)
    drafts = bot.fake.drafts
    assert {d.draft_id for d in drafts} == {drafts[0].draft_id} and drafts[0].draft_id != 0
    assert all(d.entities == [] for d in drafts)  # drafts are plain: no half-written entity
    assert len(bot.fake.calls_to("sendMessage")) == 1
    assert bot.model.chat_requests()[0].body["messages"][-1]["content"] == "count to ten"


async def test_typing_shows_while_the_model_has_not_started(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 0
    bot.say("count to ten")
    action = await bot.fake.wait_for_call("sendChatAction")
    assert action.params["action"] == "typing" and not bot.fake.drafts
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, ANSWER)


async def test_private_message_streams_by_editing_without_drafts(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_drafts=False)
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("count to ten")
    await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the first page")
    assert bot.fake.sent_to(PRIVATE_CHAT)[0].text.startswith("one two three")
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, ANSWER)
    (message,) = bot.fake.sent_to(PRIVATE_CHAT)
    assert message.edit_count >= 1 and not bot.fake.drafts


async def test_six_thousand_characters_arrive_as_two_messages(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_rich_messages=False)  # with them, one rich message: test_rich.py
    answer = bot.model.reply = long_answer()
    assert abs(len(answer) - 6000) < 10
    bot.say("write a lot")
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 2, what="two pages")
    await bot.gateway.join()
    pages = bot.fake.final_texts(PRIVATE_CHAT)
    assert len(pages) == 2 and all(len(p) <= 4096 for p in pages)
    assert "\n\n".join(pages) == answer


async def test_markdown_is_sent_as_entities_on_the_final_message(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply = "Use **bold** and `code`."
    bot.say("format something")
    await bot.reply_is(PRIVATE_CHAT, "Use bold and code.")
    (message,) = bot.fake.sent_to(PRIVATE_CHAT)
    assert [(e["type"], e["offset"], e["length"]) for e in message.entities] == [
        ("bold", 4, 4), ("code", 13, 4)]


async def test_other_bots_are_ignored(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("I am a bot", chat=2002, user=2002, is_bot=True)
    bot.say("I am a person", chat=3003, user=3003)
    await bot.reply_is(3003, "You said: I am a person")
    assert not bot.fake.sent_to(2002)
    assert len(bot.model.chat_requests()) == 1


async def test_quick_messages_are_answered_in_the_order_sent(start_bot: StartBot) -> None:
    bot = await start_bot()
    for n in range(5):
        bot.say(f"message {n}")
    await bot.reply_is(PRIVATE_CHAT, *(f"You said: message {n}" for n in range(5)), timeout=10)
    asked = [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()]
    assert asked == [f"message {n}" for n in range(5)]

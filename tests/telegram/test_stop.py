"""Stop on Telegram: the Stop button of a private chat's draft (Bot API 10.3) and the inline
Stop button under a group answer both end the answer, its model call included; what was
written becomes the final message, marked stopped."""

from __future__ import annotations

import asyncio

from bots.telegram.keyboards import STOP_COMMAND
from tests.telegram.conftest import GROUP_CHAT, PRIVATE_CHAT, StartBot

ANSWER = "one two three four five six seven eight nine ten"
STOP_BUTTON = {"inline_keyboard": [[{"text": "■ Stop", "callback_data": STOP_COMMAND}]]}


async def test_the_drafts_stop_button_ends_the_answer_and_its_model_call(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("count to ten")
    (draft,) = await bot.fake.wait_for(lambda: bot.fake.drafts, what="a draft")
    assert draft.can_stop and draft.keep_on_stop and draft.text.startswith("one two three")
    bot.fake.stop_generation(PRIVATE_CHAT, draft.draft_id)
    await bot.model.wait_disconnect()  # the model's HTTP stream was closed, not left to finish
    (final,) = await bot.fake.wait_for(lambda: bot.fake.sent_to(PRIVATE_CHAT), what="the final message")
    await bot.gateway.join()
    assert final.text == "one two three\n\n(stopped)"
    assert [e["type"] for e in final.entities] == ["italic"]  # the mark is formatted
    assert len(bot.fake.sent_to(PRIVATE_CHAT)) == 1 and "four" not in final.text
    asked = bot.model.chat_requests()
    bot.say("and now?")  # the stopped text is what the conversation remembers
    await bot.fake.wait_for(lambda: len(bot.model.chat_requests()) == len(asked) + 1, what="the next question")
    remembered = bot.model.chat_requests()[-1].body["messages"]
    assert {"role": "assistant", "content": "one two three "} in remembered


async def test_a_late_stop_for_a_finished_answer_does_not_stop_the_next_one(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("hello")
    (first,) = await bot.fake.wait_for(lambda: bot.fake.drafts, what="a draft")
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, ANSWER)
    finished = first.draft_id
    bot.model.hold = asyncio.Event()
    bot.say("again")
    await bot.fake.wait_for(lambda: bot.fake.drafts[-1].draft_id != finished, what="the next answer's draft")
    bot.fake.stop_generation(PRIVATE_CHAT, finished)  # pressed as "hello" ended, delivered only now
    bot.say("/usage")  # taken after the Stop, in the chat's order: its answer means the Stop was handled
    await bot.fake.wait_for(lambda: any("All time:" in t for t in bot.fake.final_texts(PRIVATE_CHAT)),
                            what="the usage line")
    bot.model.hold.set()
    await bot.fake.wait_for(lambda: bot.fake.final_texts(PRIVATE_CHAT)[-1] == ANSWER, what="the whole answer")
    assert bot.model.disconnects == 0


async def test_a_group_answers_stop_button_ends_it_and_goes_when_final(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    bot.say("/ask count to ten", chat=GROUP_CHAT, user=7)
    (message,) = await bot.fake.wait_for(lambda: bot.fake.sent_to(GROUP_CHAT), what="the first words")
    assert message.reply_markup == STOP_BUTTON and message.text.startswith("one two three")
    bot.fake.callback_query(GROUP_CHAT, 7, STOP_COMMAND, message.message_id)
    await bot.model.wait_disconnect()
    await bot.fake.wait_for(lambda: message.text.endswith("(stopped)"), what="the stopped mark")
    await bot.gateway.join()
    assert message.text == "one two three\n\n(stopped)" and message.reply_markup is None  # the button went
    (answer,) = bot.fake.calls_to("answerCallbackQuery")
    assert answer.params["text"] == "Stopping the answer."
    assert len(bot.fake.sent_to(GROUP_CHAT)) == 1  # no "Stopping…" notice in the chat


async def test_a_finished_group_answer_keeps_no_stop_button(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("/ask hi", chat=GROUP_CHAT, user=7)
    await bot.reply_is(GROUP_CHAT, "You said: hi")
    (message,) = bot.fake.sent_to(GROUP_CHAT)
    assert message.reply_markup is None

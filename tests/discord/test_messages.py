"""Mentions, DMs and threads: who gets an answer, where, and in how many messages."""

from __future__ import annotations

import asyncio

from tests.discord.conftest import StartBot
from tests.fakes.discord_gateway import MESSAGE_CONTENT_INTENT

ANSWER = "one two three four five six seven eight nine ten"
MESSAGES = "POST /channels/{channel_id}/messages"


def long_answer() -> str:
    paragraph = " ".join(f"word{i:03d}" for i in range(12))  # 95 characters
    return "\n\n".join(f"{n:02d} {paragraph}" for n in range(46))  # ~4,500 characters


async def test_a_mention_is_answered_in_the_channel_as_a_reply(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    question = fake.user_message("hello there", mention=True)
    await bot.channel_says(fake.channel_id, "You said: hello there")
    (reply,) = fake.bot_messages(fake.channel_id)
    assert reply.reference is not None and int(reply.reference["message_id"]) == question.id
    assert bot.model.chat_requests()[0].body["messages"][-1]["content"] == "hello there"


async def test_an_answer_streams_by_editing_one_message(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    fake.user_message("count to ten", mention=True)
    first = await fake.wait_for(lambda: fake.bot_messages(fake.channel_id), what="the first page")
    assert first[0].content.startswith("one two three") and first[0].content != ANSWER
    bot.model.hold.set()
    await bot.channel_says(fake.channel_id, ANSWER)
    (message,) = fake.bot_messages(fake.channel_id)
    assert message.edits >= 1 and len(fake.calls_to(MESSAGES)) == 1


async def test_a_message_without_a_mention_gets_nothing(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.user_message("just chatting among humans")
    fake.user_message("@everyone look at this")
    fake.user_message("and now you", mention=True)
    await bot.channel_says(fake.channel_id, "You said: and now you")
    assert [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()] == ["and now you"]


async def test_without_the_content_intent_mentions_still_work(start_bot: StartBot) -> None:
    bot = await start_bot()
    assert not bot.fake.gateway.intents & MESSAGE_CONTENT_INTENT  # not asked for unless configured
    bot.fake.user_message("ping", role_mention=True)  # the bot's own role counts as a mention
    await bot.channel_says(bot.fake.channel_id, "You said: ping")


async def test_the_content_intent_is_requested_when_configured(start_bot: StartBot) -> None:
    bot = await start_bot(discord_message_content=True)
    assert bot.fake.gateway.intents & MESSAGE_CONTENT_INTENT


async def test_auto_thread_answers_in_a_thread_started_from_the_mention(start_bot: StartBot) -> None:
    bot = await start_bot(discord_auto_thread=True)
    fake = bot.fake
    question = fake.user_message("plan a trip to Lisbon\nwith details", mention=True)
    await bot.channel_says(question.id, "You said: plan a trip to Lisbon\nwith details")
    (call,) = fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    assert call.body["name"] == "plan a trip to Lisbon"
    assert fake.channels[question.id]["parent_id"] == str(fake.channel_id)
    assert fake.texts(fake.channel_id) == []  # nothing but the thread in the channel itself
    (reply,) = fake.bot_messages(question.id)
    assert reply.reference is None  # the thread starts from the question already


async def test_in_the_bots_thread_the_conversation_continues_there(start_bot: StartBot) -> None:
    bot = await start_bot(discord_auto_thread=True, discord_message_content=True)
    fake = bot.fake
    question = fake.user_message("first question", mention=True)
    await bot.channel_says(question.id, "You said: first question")
    fake.user_message("a follow-up without mention", channel_id=question.id)
    await bot.channel_says(question.id, "You said: first question", "You said: a follow-up without mention")
    history = [m["content"] for m in bot.model.chat_requests()[1].body["messages"] if m["role"] != "system"]
    assert history == ["first question", "You said: first question", "a follow-up without mention"]
    assert len(fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")) == 1


async def test_a_mention_inside_a_users_thread_is_answered_in_that_thread(start_bot: StartBot) -> None:
    bot = await start_bot(discord_auto_thread=True)
    fake = bot.fake
    thread_id = fake.user_thread("our planning thread")
    fake.user_message("what now?", mention=True, channel_id=thread_id)
    await bot.channel_says(thread_id, "You said: what now?")
    assert not fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")


async def test_a_dm_is_answered_directly(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.user_message("hi in private", dm=True)
    dm = fake.dms[fake.alice["id"]]
    await bot.channel_says(dm, "You said: hi in private")
    (reply,) = fake.bot_messages(dm)
    assert reply.reference is None
    assert len(bot.model.chat_requests()) == 1  # the bot's own echoed message is not answered


async def test_other_bots_are_ignored(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.user_message("I am a bot", author=fake.other_bot, mention=True)
    fake.user_message("I am a person", mention=True)
    await bot.channel_says(fake.channel_id, "You said: I am a person")
    assert len(bot.model.chat_requests()) == 1


async def test_a_long_answer_arrives_whole_across_messages(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    answer = bot.model.reply = long_answer()
    assert 4400 < len(answer) < 4600
    fake.user_message("write a lot", mention=True)
    await fake.wait_for(lambda: len(fake.bot_messages(fake.channel_id)) == 3, what="three pages")
    await bot.gateway.join()
    pages = fake.texts(fake.channel_id)
    assert all(len(p) <= 2000 for p in pages)
    assert "\n\n".join(pages) == answer


async def test_a_reply_to_the_bot_is_answered_only_when_its_text_is_visible(start_bot: StartBot) -> None:
    bot = await start_bot()  # no message-content intent: Discord blanks a reply that does not ping
    fake = bot.fake
    fake.user_message("first", mention=True)
    await bot.channel_says(fake.channel_id, "You said: first")
    (answer,) = fake.bot_messages(fake.channel_id)
    fake.user_message("a reply without the ping", reply_to=answer.id)
    fake.user_message("second", mention=True)
    await bot.channel_says(fake.channel_id, "You said: first", "You said: second")
    assert [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()] == ["first", "second"]


async def test_with_the_content_intent_a_reply_to_the_bot_is_answered(start_bot: StartBot) -> None:
    bot = await start_bot(discord_message_content=True)
    fake = bot.fake
    fake.user_message("first", mention=True)
    await bot.channel_says(fake.channel_id, "You said: first")
    (answer,) = fake.bot_messages(fake.channel_id)
    fake.user_message("tell me more", reply_to=answer.id)
    await bot.channel_says(fake.channel_id, "You said: first", "You said: tell me more")

"""Groups answer only what is meant for the bot; forum topics are threads of their own."""

from __future__ import annotations

from tests.fakes.model_server import RecordedRequest
from tests.telegram.conftest import GROUP_CHAT, StartBot


def _asked(requests: list[RecordedRequest]) -> list[str]:
    """What each model request asked last (the user's text as the model saw it)."""
    return [r.body["messages"][-1]["content"] for r in requests]


async def test_group_answers_a_mention_and_ignores_chatter(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("hello everyone", chat=GROUP_CHAT, user=7)
    asked = bot.say("@switchboard_bot what is up?", chat=GROUP_CHAT, user=7)
    await bot.reply_is(GROUP_CHAT, "You said: what is up?")
    assert _asked(bot.model.chat_requests()) == ["what is up?"]  # the mention is stripped
    (reply,) = bot.fake.sent_to(GROUP_CHAT)
    assert reply.reply_to_message_id == asked["message"]["message_id"]  # quotes the asker


async def test_group_answers_replies_ask_and_commands_for_this_bot(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("/ask first question", chat=GROUP_CHAT, user=7)
    await bot.reply_is(GROUP_CHAT, "You said: first question")
    bot.say("follow-up", chat=GROUP_CHAT, user=7, reply_to_bot=True)
    bot.say("/help@other_bot", chat=GROUP_CHAT, user=7)  # another bot's command
    bot.say("/weather", chat=GROUP_CHAT, user=7)  # a bare command that is not ours
    bot.say("/usage@switchboard_bot", chat=GROUP_CHAT, user=7)
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(GROUP_CHAT)) == 3, what="two more")
    await bot.gateway.join()
    texts = bot.fake.final_texts(GROUP_CHAT)
    assert "You said: follow-up" in texts
    assert sum(t.startswith("You said") for t in texts) == 2 and len(texts) == 3
    assert _asked(bot.model.chat_requests())[-1] == "follow-up"


async def test_forum_topics_are_separate_threads(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("@switchboard_bot in topic one", chat=GROUP_CHAT, user=7, message_thread_id=11)
    await bot.reply_is(GROUP_CHAT, "You said: in topic one")
    bot.say("@switchboard_bot in topic two", chat=GROUP_CHAT, user=7, message_thread_id=22)
    await bot.reply_is(GROUP_CHAT, "You said: in topic one", "You said: in topic two")
    assert [m.message_thread_id for m in bot.fake.sent_to(GROUP_CHAT)] == [11, 22]
    second = bot.model.chat_requests()[1].body["messages"]
    assert [m["content"] for m in second if m["role"] == "user"] == ["in topic two"]


async def test_allowlists_refuse_politely(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_allowed_users="5, @Alice", telegram_drafts=False)
    bot.say("let me in", chat=6, user=6)
    bot.say("by id", chat=5, user=5)
    bot.say("by name", chat=8, user=8, username="alice")
    await bot.reply_is(5, "You said: by id")
    await bot.reply_is(8, "You said: by name")
    await bot.reply_is(6, "Sorry, this bot is not open to you. Ask its operator for access.")
    assert len(bot.model.chat_requests()) == 2


async def test_allowed_chat_lets_everyone_in_it_talk(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_allowed_chats=str(GROUP_CHAT))
    bot.say("@switchboard_bot hi", chat=GROUP_CHAT, user=9)
    await bot.reply_is(GROUP_CHAT, "You said: hi")
    bot.say("dm", chat=9, user=9)
    await bot.reply_is(9, "Sorry, this bot is not open to you. Ask its operator for access.")

"""A dropped gateway connection is resumed by discord.py; replayed events are answered once."""

from __future__ import annotations

from tests.discord.conftest import StartBot


async def test_events_replayed_after_a_resume_are_answered_once(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    question = fake.user_message("first", mention=True)
    await bot.channel_says(fake.channel_id, "You said: first")
    asked = fake.slash("ask", {"prompt": "second"})
    await bot.response_is(asked, "You said: second")
    await fake.drop_connection(replay=[question.id, asked.id])
    missed = fake.user_message("sent while disconnected", mention=True)
    await bot.channel_says(fake.channel_id, "You said: first", "You said: second", "You said: sent while disconnected")
    assert len(fake.gateway.identifies) == 1 and len(fake.gateway.resumes) == 1  # resumed, not re-identified
    assert [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()] == [
        "first", "second", "sent while disconnected"]
    callbacks = fake.calls_to("POST /interactions/{interaction_id}/{token}/callback")
    assert [c.status for c in callbacks] == [200, 400]  # the replayed command was already acknowledged
    delivered = fake.gateway.delivered
    assert delivered.count(("MESSAGE_CREATE", str(question.id))) == 2
    assert delivered.count(("MESSAGE_CREATE", str(missed.id))) == 1


async def test_a_replay_with_auto_thread_reuses_the_thread(start_bot: StartBot) -> None:
    bot = await start_bot(discord_auto_thread=True)
    fake = bot.fake
    question = fake.user_message("thread me", mention=True)
    await bot.channel_says(question.id, "You said: thread me")
    await fake.drop_connection(replay=[question.id])
    fake.user_message("after the resume", mention=True, channel_id=question.id)
    await bot.channel_says(question.id, "You said: thread me", "You said: after the resume")
    threads = fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    assert [c.status for c in threads] == [200, 400]  # "already created": the same thread, no second answer

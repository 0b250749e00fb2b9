"""Channel mentions: one threaded reply whose final text is the model's whole answer."""

from __future__ import annotations

import asyncio

from tests.fakes.slack_events import ALICE, GENERAL
from tests.slack.conftest import StartBot

ANSWER = "one two three four five six seven eight nine ten"


async def test_mention_streams_one_threaded_reply(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    event = await bot.fake.mention("count to ten")
    first = await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="a streamed reply")
    assert first[0].streaming and first[0].visible.startswith("one two")
    bot.model.hold.set()
    await bot.thread_shows(GENERAL, event["ts"], ANSWER)
    (reply,) = bot.fake.in_thread(GENERAL, event["ts"])
    assert reply.streamed and reply.updates == 0 and len(reply.shown) >= 2  # grew, never rewritten
    start = bot.fake.calls_to("chat.startStream")[0].params
    assert (start["recipient_user_id"], start["recipient_team_id"]) == (ALICE, bot.fake.team_id)
    assert not bot.fake.calls_to("chat.postMessage") and not bot.fake.calls_to("chat.update")
    assert bot.model.chat_requests()[0].body["messages"][-1]["content"] == "count to ten"


async def test_mention_posts_and_updates_where_streaming_is_unsupported(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.streaming = False
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    event = await bot.fake.mention("count to ten")
    await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="the first post")
    bot.model.hold.set()
    await bot.thread_shows(GENERAL, event["ts"], ANSWER)
    (reply,) = bot.fake.in_thread(GENERAL, event["ts"])
    assert reply.updates >= 1 and reply.blocks[0] == {"type": "markdown", "text": ANSWER} and reply.feedback()
    assert bot.adapter.outlets.streaming_refused == "unknown_method"
    # The next reply does not ask again: the workspace said no once.
    second = await bot.fake.mention("again")
    await bot.thread_shows(GENERAL, second["ts"], ANSWER)
    assert len([c for c in bot.fake.calls if c.method == "chat.startStream"]) == 1

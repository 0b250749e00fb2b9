"""A streamed reply cut off by a crash: the replica that takes the conversation over appends to
the same stream, so the thread ends with one message holding the whole answer."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from tests.fakes.slack_events import GENERAL
from tests.helpers import stored
from tests.slack.conftest import StartBot

ANSWER = "one two three four five six seven eight nine ten"


async def test_a_stream_is_continued_by_the_replica_that_takes_over(start_bot: StartBot, redis: Redis,
                                                                    prefix: str) -> None:
    survivor = await start_bot(lease_seconds=1)
    doomed = await start_bot(lease_seconds=1)  # the newest connection: the fake delivers to it
    doomed.model.reply, doomed.model.hold, doomed.model.hold_after = ANSWER, asyncio.Event(), 3
    event = await doomed.fake.mention("count to ten")
    await doomed.fake.wait_for(lambda: doomed.fake.calls_to("chat.startStream"), what="a stream")
    await stored(redis, f"{prefix}*reply:*")  # the checkpoint write follows the stream's start
    await doomed.gateway.close()  # dies: the stream is left open, nothing acknowledged
    doomed.model.hold.set()
    await survivor.thread_shows(GENERAL, event["ts"], ANSWER, timeout=10)
    assert len(survivor.fake.calls_to("chat.startStream")) == 1  # the same stream, appended to
    assert len(survivor.model.chat_requests()) == 2

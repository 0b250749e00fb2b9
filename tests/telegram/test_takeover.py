"""A private reply cut off by a crash: the replica that takes the conversation over drafts on
in the same draft and sends the one final message."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.store.keys import Keys
from tests.helpers import stored
from tests.telegram.conftest import PRIVATE_CHAT, StartBot

ANSWER = "one two three four five six seven eight nine ten"


async def test_a_draft_is_continued_by_the_replica_that_takes_over(start_bot: StartBot, redis: Redis,
                                                                   prefix: str) -> None:
    first = await start_bot(lease_seconds=1)
    second = await start_bot(lease_seconds=1)
    first.model.reply, first.model.hold, first.model.hold_after = ANSWER, asyncio.Event(), 3
    first.say("count to ten")
    await first.fake.wait_for(lambda: first.fake.drafts, what="a draft")
    # The draft id rides a renewal.
    await stored(redis, Keys.for_client(prefix, redis).reply(f"telegram:{PRIVATE_CHAT}::{PRIVATE_CHAT}"))
    await first.gateway.close()  # dies: no final message, no acknowledgement
    first.model.hold.set()
    await second.reply_is(PRIVATE_CHAT, ANSWER, timeout=10)
    drafts = first.fake.drafts
    assert len({d.draft_id for d in drafts}) == 1  # one bubble, continued
    assert len(first.fake.calls_to("sendMessage")) == 1
    assert len(first.model.chat_requests()) == 2

"""A reply outlives its replica: another one takes the conversation over and continues in the
same messages, after a crash (its lease runs out) or a shutdown (handed over at once)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.store.keys import Keys
from core.types import ConversationKey
from switchboard.lifecycle import shut_down
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound

ANSWER = "one two three four five six seven eight"


def _shows(platform: MemoryPlatform, start: str) -> bool:
    return any(m.text.startswith(start) for m in platform.messages.values())


async def _stored_turns(redis: Redis, prefix: str) -> list[bytes]:
    conv = ConversationKey("memory", "chat-alice", "", "alice")
    return list(await redis.lrange(Keys.for_client(prefix, redis).history(conv), 0, -1))


async def test_a_reply_cut_off_by_a_crash_is_continued_in_the_same_message(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer, redis: Redis,
        prefix: str) -> None:
    model_server.reply = ANSWER
    model_server.hold, model_server.hold_after = asyncio.Event(), 3
    first = await make_gateway(lease_seconds=1)
    second = await make_gateway(lease_seconds=1)
    await first.handle(inbound("count for me"))
    await platform.wait_for(lambda: _shows(platform, "one two three"), what="the half-answer")
    [half] = list(platform.messages)
    await first.close()  # the replica dies: no acknowledgement, no hand-over; its lease runs out
    model_server.hold.set()
    await platform.wait_for(lambda: platform.final_texts("chat-alice") == [ANSWER], timeout=10,
                            what="the answer, continued by the other replica")
    await second.join()
    assert list(platform.messages) == [half]  # the same message, edited: nothing beside it
    assert platform.continued == [half]
    assert len(await _stored_turns(redis, prefix)) == 2  # the exchange, stored once
    assert len(model_server.chat_requests()) == 2  # asked again by the one that took over


async def test_a_replica_shutting_down_hands_its_reply_over_at_once(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.reply = ANSWER
    model_server.hold, model_server.hold_after = asyncio.Event(), 3
    first = await make_gateway(lease_seconds=60)  # a lease that running out would take a minute
    second = await make_gateway(lease_seconds=60)
    await first.handle(inbound("count for me"))
    await platform.wait_for(lambda: _shows(platform, "one two three"), what="the half-answer")
    [half] = list(platform.messages)
    await shut_down([], first, grace=0.2)  # as on SIGTERM: the grace runs out, the rest is handed over
    model_server.hold.set()
    await platform.wait_for(lambda: platform.final_texts("chat-alice") == [ANSWER], timeout=5,
                            what="the answer, continued long before the lease would run out")
    await second.join()
    assert list(platform.messages) == [half]

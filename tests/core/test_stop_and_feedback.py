"""A platform's Stop ends the answer as /stop does, without a notice; ratings are counted once a person."""

from __future__ import annotations

import asyncio

from core.gateway import FEEDBACK_THANKS, Gateway
from core.reply.stream import STOPPED_MARK
from core.store.feedback import FeedbackCount
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


async def test_a_platform_stop_closes_the_model_stream_and_marks_the_answer(
        gateway: Gateway, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.reply, model_server.hold, model_server.hold_after = "one two three four", asyncio.Event(), 2
    await gateway.handle(inbound("count"))
    await platform.wait_for(lambda: platform.final_texts("chat-alice"), what="the first words")
    press = inbound("", event_id="stop-press-1")
    assert await gateway.stop(press)
    await model_server.wait_disconnect()
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["one two " + STOPPED_MARK]
    assert platform.notices == []  # a button needs no "Stopping…" line
    assert not await gateway.stop(press)  # the same press delivered again stops nothing


async def test_a_stop_from_someone_not_allowed_does_nothing(gateway: Gateway, platform: MemoryPlatform) -> None:
    platform.denied_users.add("mallory")
    assert not await gateway.stop(inbound("", user="mallory"))


async def test_ratings_count_once_per_person_and_follow_a_changed_mind(
        gateway: Gateway, platform: MemoryPlatform) -> None:
    async def rate(user: str, rating: str, answer: str = "a1") -> None:
        await gateway.feedback(inbound("", user=user), answer=answer, rating=rating, model="fake-large")  # type: ignore[arg-type]

    await rate("alice", "up")
    await rate("alice", "up")  # the same click again
    await rate("bob", "up")
    await rate("bob", "down")  # bob changed his mind
    await rate("carol", "down", answer="a2")
    assert await gateway.core.feedback.counts() == [FeedbackCount("memory", "fake-large", up=1, down=2)]
    await gateway.join()  # the thanks go out from tasks (no intake waits for a platform call)
    assert [n.text for n in platform.notices] == [FEEDBACK_THANKS] * 5

"""Redis going away and coming back, with a redis-server of the test's own: intake is refused
(so the platform re-sends), replies wait and finish once, and the operator reads two lines."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from core.config import Settings
from core.errors import NotStored
from core.gateway import Gateway
from core.types import Limits
from switchboard.assembly import assembled
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound
from tests.redis_server import RedisServer

ANSWER = "one two three four five six"


@asynccontextmanager
async def serving(settings: Settings, platform: MemoryPlatform) -> AsyncIterator[Gateway]:
    """A gateway with its own Redis connection pool (as `switchboard run` makes it)."""
    async with assembled(settings) as running:
        running.core.bind(platform)
        yield running.gateway


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "core.store.availability"]


async def test_an_outage_refuses_intake_and_is_two_log_lines(
        own_redis: RedisServer, make_settings: Callable[..., Settings], platform: MemoryPlatform,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with serving(make_settings(redis_url=own_redis.url), platform) as gateway:
        await gateway.handle(inbound("before"))
        await gateway.join()
        await own_redis.kill()
        for text in ("during one", "during two", "during three"):
            with pytest.raises(NotStored):  # the adapter does not acknowledge: the platform re-sends
                await gateway.handle(inbound(text))
        await own_redis.start()
        await asyncio.wait_for(gateway.until_storable(), 10)
        await gateway.handle(inbound("after"))
        await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: before", "You said: after"]
    lines = _outage_lines(caplog)
    assert len(lines) == 2 and "unreachable" in lines[0] and "answers again" in lines[1]
    assert not [r for r in caplog.records if r.exc_info]  # no traceback, let alone one per message


async def test_a_reply_streaming_through_an_outage_ends_once_in_the_same_message(
        own_redis: RedisServer, make_settings: Callable[..., Settings], platform: MemoryPlatform,
        model_server: FakeModelServer) -> None:
    model_server.reply = ANSWER
    model_server.hold, model_server.hold_after = asyncio.Event(), 2
    async with serving(make_settings(redis_url=own_redis.url), platform) as gateway:
        await gateway.handle(inbound("count"))
        await platform.wait_for(lambda: any(m.text.startswith("one two") for m in platform.messages.values()))
        await own_redis.kill()
        with pytest.raises(NotStored):
            await gateway.handle(inbound("meanwhile"))  # (and now the gateway knows Redis is away)
        model_server.hold.set()  # the model goes on; showing the rest needs Redis (the chat's budget)
        await own_redis.start()
        await platform.wait_for(lambda: platform.final_texts("chat-alice") == [ANSWER], timeout=10)
        await gateway.join()
        history = await gateway.core.contexts.load(gateway.core.conversation(inbound("x")), "memory", "alice",
                                                   "chat-alice", Limits(max_chars=4096, min_edit_interval=0.0))
    assert len(platform.messages) == 1
    assert [t.text for t in history.history] == ["count", ANSWER]  # stored once

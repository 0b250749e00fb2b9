"""Start-up and shutdown in one place (switchboard/lifecycle.py), through the real assembly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Inbound, Limits
from core.web import WebServer
from switchboard.assembly import assembled
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


class RecordingAdapter:
    """A platform whose connection is a list of what was done to it, in order."""

    def __init__(self, name: str, journal: list[str], *, fails: bool = False) -> None:
        self.name = name
        self._journal = journal
        self._fails = fails
        self.platform = MemoryPlatform(name)
        self.intake_stopped = asyncio.Event()
        self.answers_at_close: list[str] | None = None

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        self._journal.append(f"start {self.name}")
        if self._fails:
            raise StartupError(f"{self.name} refused the token")

    async def stop_intake(self) -> None:
        self._journal.append(f"stop_intake {self.name}")
        self.intake_stopped.set()

    async def close(self) -> None:
        self._journal.append(f"close {self.name}")
        self.answers_at_close = self.platform.final_texts("chat-alice")

    def status(self) -> str:
        return "recording"

    def ready(self) -> bool:
        return True

    def limits_for(self, inbound: Inbound) -> Limits:
        return self.platform.limits_for(inbound)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        return self.platform.outlet_for(inbound, pacer)

    def is_allowed(self, inbound: Inbound) -> bool:
        return True

    has_allowlist = False


async def test_a_failed_start_closes_the_adapters_already_started(
        make_settings: Callable[..., Settings], redis: Redis) -> None:
    journal: list[str] = []
    adapters = [RecordingAdapter("one", journal), RecordingAdapter("two", journal, fails=True),
                RecordingAdapter("three", journal)]
    with pytest.raises(StartupError, match="two refused the token"):
        async with assembled(make_settings(), adapters, redis=redis):
            pytest.fail("the gateway must not run when an adapter cannot start")
    assert journal == ["start one", "start two", "stop_intake two", "stop_intake one", "close two", "close one"]


async def test_shutdown_stops_intake_everywhere_then_lets_replies_finish_then_closes(
        make_settings: Callable[..., Settings], redis: Redis, model_server: FakeModelServer) -> None:
    journal: list[str] = []
    first, second = RecordingAdapter("one", journal), RecordingAdapter("two", journal)
    model_server.hold = asyncio.Event()
    model_server.hold_after = 1
    async with assembled(make_settings(drain_seconds=30), [first, second], redis=redis) as running:
        await running.gateway.handle(inbound("a long answer please", platform="one"))
        await first.platform.wait_for(lambda: bool(first.platform.messages))

        async def release_once_intake_stopped() -> None:
            await second.intake_stopped.wait()  # shutdown has begun: now let the model finish
            assert model_server.hold is not None
            model_server.hold.set()

        releaser = asyncio.create_task(release_once_intake_stopped())
    await releaser
    assert journal == ["start one", "start two", "stop_intake one", "stop_intake two", "close two", "close one"]
    assert first.answers_at_close == ["You said: a long answer please"]  # the reply finished before close

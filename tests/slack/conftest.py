"""A running Slack adapter: real slack-bolt AsyncApp (+ AsyncSocketModeHandler) against the
fake Slack, the local model server and a real Redis. `start_bot(**settings)` starts one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from redis.asyncio import Redis

from bots.slack.adapter import SlackAdapter
from bots.slack.settings import SlackSettings
from core.config import Settings
from core.gateway import Gateway
from core.web import WebServer
from tests.adapter_harness import split_settings, wire
from tests.fakes.model_server import FakeModelServer
from tests.fakes.slack_api import FakeSlack

QUICK_PACE = 0.05  # seconds between updates to one channel, so tests do not wait on the real budget


@dataclass
class Running:
    fake: FakeSlack
    model: FakeModelServer
    adapter: SlackAdapter
    gateway: Gateway
    web: WebServer

    async def thread_shows(self, channel: str, thread_ts: str | None, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the thread holds exactly these messages (all streams closed), then for the core."""
        def done() -> bool:
            found = self.fake.in_thread(channel, thread_ts)
            return [m.visible for m in found] == list(texts) and not any(m.streaming for m in found)

        await self.fake.wait_for(done, timeout, what=f"{channel}/{thread_ts} to show {[t[:30] for t in texts]}")
        await self.gateway.join()

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.web.port}/slack/events"


class StartBot(Protocol):
    def __call__(self, *, adapter: dict[str, Any] | None = None, connect: bool = True,
                 **settings: Any) -> Awaitable[Running]: ...


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


@pytest.fixture
async def start_bot(fake: FakeSlack, model_server: FakeModelServer, redis: Redis,
                    make_settings: Callable[..., Settings]) -> AsyncIterator[StartBot]:
    cleanup: list[Callable[[], Awaitable[None]]] = []

    async def start(*, adapter: dict[str, Any] | None = None, connect: bool = True, **overrides: Any) -> Running:
        values: dict[str, Any] = {"slack_bot_token": fake.bot_token, "slack_app_token": fake.app_token,
                                  "slack_api_url": fake.api_url, "http_host": "127.0.0.1", "http_port": 0,
                                  "drain_seconds": 2.0}
        own, rest = split_settings(SlackSettings, values | overrides)
        options: dict[str, Any] = {"edit_interval": QUICK_PACE, "ping_interval": 0.2}
        wired = await wire(make_settings(**rest), redis, SlackAdapter(own, **(options | (adapter or {}))))
        cleanup.append(wired.stop)
        bot, gateway, web = wired.adapter, wired.gateway, wired.web
        assert isinstance(bot, SlackAdapter)
        if connect and not bot.http_mode:
            await fake.wait_for(lambda: fake.sockets, what="the Socket Mode connection")
        return Running(fake, model_server, bot, gateway, web)

    yield start
    for stop in reversed(cleanup):
        await stop()

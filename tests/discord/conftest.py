"""A running Discord adapter: a real discord.py client against the fake Discord REST API and
gateway, the local model server and a real Redis. `start_bot(**settings)` starts one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from redis.asyncio import Redis

from bots.discord.adapter import DiscordAdapter
from bots.discord.settings import DiscordSettings
from core.config import Settings
from core.gateway import Gateway
from tests.adapter_harness import split_settings, wire
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_models import InteractionRecord
from tests.fakes.model_server import FakeModelServer

QUICK_PACE = 0.05  # seconds between updates to one channel, so tests do not wait on the real budget


@dataclass
class Running:
    fake: FakeDiscord
    model: FakeModelServer
    adapter: DiscordAdapter
    gateway: Gateway

    async def channel_says(self, channel_id: int, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the bot's messages in the channel read exactly `texts`, then until the core is idle."""
        await self.fake.wait_for(lambda: self.fake.texts(channel_id) == list(texts), timeout,
                                 what=f"channel {channel_id} to show {[t[:40] for t in texts]}")
        await self.gateway.join()

    async def response_is(self, record: InteractionRecord, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the interaction's original response and follow-ups read exactly `texts`."""
        await self.fake.wait_for(lambda: self.fake.response_texts(record) == list(texts), timeout,
                                 what=f"interaction {record.id} to show {[t[:40] for t in texts]}")
        await self.gateway.join()


class StartBot(Protocol):
    def __call__(self, *, adapter: dict[str, Any] | None = None, **settings: Any) -> Awaitable[Running]: ...


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def start_bot(fake: FakeDiscord, model_server: FakeModelServer, redis: Redis,
                    make_settings: Callable[..., Settings]) -> AsyncIterator[StartBot]:
    cleanup: list[Callable[[], Awaitable[None]]] = []

    async def start(*, adapter: dict[str, Any] | None = None, **overrides: Any) -> Running:
        values: dict[str, Any] = {"discord_bot_token": fake.token, "discord_api_base": fake.base_url,
                                  "discord_gateway_url": fake.gateway_url}
        base: dict[str, Any] = {"http_host": "127.0.0.1", "http_port": 0, "drain_seconds": 2.0}
        own, rest = split_settings(DiscordSettings, base | values | overrides)
        options: dict[str, Any] = {"edit_interval": QUICK_PACE, "guild_ready_timeout": 0.05}
        wired = await wire(make_settings(**rest), redis, DiscordAdapter(own, **(options | (adapter or {}))))
        cleanup.append(wired.stop)
        bot = wired.adapter
        assert isinstance(bot, DiscordAdapter)
        return Running(fake, model_server, bot, wired.gateway)

    yield start
    for stop in reversed(cleanup):
        await stop()

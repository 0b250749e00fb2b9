"""A running Telegram adapter: the real aiogram Bot and Dispatcher against the fake Bot API,
the local model server and a real Redis. `start_bot(**settings)` starts one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from aiogram.utils.backoff import BackoffConfig
from redis.asyncio import Redis

from bots.telegram.adapter import TelegramAdapter
from bots.telegram.settings import TelegramSettings
from core.config import Settings
from core.gateway import Gateway
from core.web import WebServer
from tests.adapter_harness import split_settings, wire
from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_api import FakeTelegram

FAST = BackoffConfig(min_delay=0.05, max_delay=0.2, factor=2.0, jitter=0.0)
QUICK_PACE = 0.05  # seconds between updates to one chat, so tests do not wait on the real budget

PRIVATE_CHAT = 1001  # a private chat's id is its user's id
GROUP_CHAT = -1002003004005


@dataclass
class Running:
    fake: FakeTelegram
    model: FakeModelServer
    adapter: TelegramAdapter
    gateway: Gateway
    web: WebServer

    def say(self, text: str, *, chat: int = PRIVATE_CHAT, user: int = PRIVATE_CHAT,
            **extra: Any) -> dict[str, Any]:
        """A user's message, queued for the bot's next getUpdates."""
        if chat < 0:
            extra.setdefault("chat_type", "supergroup")
        return self.fake.user_message(chat, user, text, **extra)

    async def reply_is(self, chat: int, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the chat holds exactly these messages, then until the core is idle."""
        await self.fake.wait_for(lambda: self.fake.final_texts(chat) == list(texts), timeout,
                                 what=f"chat {chat} to show {[t[:40] for t in texts]}")
        await self.gateway.join()


class StartBot(Protocol):
    def __call__(self, *, adapter: dict[str, Any] | None = None,
                 **settings: Any) -> Awaitable[Running]: ...


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def start_bot(fake: FakeTelegram, model_server: FakeModelServer, redis: Redis,
                    make_settings: Callable[..., Settings]) -> AsyncIterator[StartBot]:
    cleanup: list[Callable[[], Awaitable[None]]] = []

    async def start(*, adapter: dict[str, Any] | None = None, **overrides: Any) -> Running:
        values: dict[str, Any] = {"telegram_bot_token": fake.token, "telegram_api_base": fake.base_url,
                                  "http_host": "127.0.0.1", "http_port": 0, "drain_seconds": 2.0}
        own, rest = split_settings(TelegramSettings, values | overrides)
        options: dict[str, Any] = {"private_interval": QUICK_PACE, "group_interval": QUICK_PACE,
                                   "reconnect": FAST, "poll_retry": FAST}
        wired = await wire(make_settings(**rest), redis, TelegramAdapter(own, **(options | (adapter or {}))))
        cleanup.append(wired.stop)
        bot, gateway, web = wired.adapter, wired.gateway, wired.web
        assert isinstance(bot, TelegramAdapter)
        return Running(fake, model_server, bot, gateway, web)

    yield start
    for stop in reversed(cleanup):
        await stop()

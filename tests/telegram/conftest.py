"""A running Telegram adapter: the real aiogram Bot and Dispatcher against the fake Bot API,
the local model server and a real Redis. `start_bot(**settings)` starts one per test."""

from __future__ import annotations

from typing import Any

from aiogram.utils.backoff import BackoffConfig

from bots.telegram.adapter import TelegramAdapter
from bots.telegram.settings import TelegramSettings
from tests.fakes.telegram_api import FakeTelegram
from tests.platform_bot import RunningBot, platform_fixtures
from tests.platform_bot import StartBot as StartsBot

FAST = BackoffConfig(min_delay=0.05, max_delay=0.2, factor=2.0, jitter=0.0)
QUICK_PACE = 0.05  # seconds between updates to one chat, so tests do not wait on the real budget
ADAPTER_OPTIONS = {"private_interval": QUICK_PACE, "group_interval": QUICK_PACE, "reconnect": FAST,
                   "poll_retry": FAST}

PRIVATE_CHAT = 1001  # a private chat's id is its user's id
GROUP_CHAT = -1002003004005


class Running(RunningBot[FakeTelegram, TelegramAdapter]):
    def say(self, text: str, *, chat: int = PRIVATE_CHAT, user: int = PRIVATE_CHAT,
            **extra: Any) -> dict[str, Any]:
        """A user's message, queued for the bot's next getUpdates."""
        if chat < 0:
            extra.setdefault("chat_type", "supergroup")
        return self.fake.user_message(chat, user, text, **extra)

    async def reply_is(self, chat: int, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the chat holds exactly these messages, then until the core is idle."""
        await self.shows(lambda: self.fake.final_texts(chat), texts, timeout, where=f"chat {chat}")


fake, start_bot = platform_fixtures(
    FakeTelegram, Running, TelegramAdapter, TelegramSettings, options=ADAPTER_OPTIONS,
    settings=lambda fake: {"telegram_bot_token": fake.token, "telegram_api_base": fake.base_url})
StartBot = StartsBot[Running]

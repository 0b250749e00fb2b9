"""A running Discord adapter: a real discord.py client against the fake Discord REST API and
gateway, the local model server and a real Redis. `start_bot(**settings)` starts one per test."""

from __future__ import annotations

from bots.discord.adapter import DiscordAdapter
from bots.discord.settings import DiscordSettings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_models import InteractionRecord
from tests.platform_bot import RunningBot, platform_fixtures
from tests.platform_bot import StartBot as StartsBot

QUICK_PACE = 0.05  # seconds between updates to one channel, so tests do not wait on the real budget
ADAPTER_OPTIONS = {"edit_interval": QUICK_PACE, "guild_ready_timeout": 0.05}


class Running(RunningBot[FakeDiscord, DiscordAdapter]):
    async def channel_says(self, channel_id: int, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the bot's messages in the channel read exactly `texts`, then until the core is idle."""
        await self.shows(lambda: self.fake.texts(channel_id), texts, timeout, where=f"channel {channel_id}")

    async def response_is(self, record: InteractionRecord, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the interaction's original response and follow-ups read exactly `texts`."""
        await self.shows(lambda: self.fake.response_texts(record), texts, timeout, where=f"interaction {record.id}")


fake, start_bot = platform_fixtures(
    FakeDiscord, Running, DiscordAdapter, DiscordSettings, options=ADAPTER_OPTIONS,
    settings=lambda fake: {"discord_bot_token": fake.token, "discord_api_base": fake.base_url,
                           "discord_gateway_url": fake.gateway_url})
StartBot = StartsBot[Running]

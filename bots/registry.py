"""Which adapters exist and whether the settings configure each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.base import Adapter
from core.config import Settings


@dataclass(frozen=True)
class AdapterSpec:
    name: str
    needs: str  # the settings that switch it on, for messages
    configured: Callable[[Settings], bool]
    build: Callable[[Settings], Adapter]


# Each builder imports its platform library only when that platform is configured.
def _telegram(settings: Settings) -> Adapter:
    from bots.telegram import TelegramAdapter

    return TelegramAdapter(settings)


def _discord(settings: Settings) -> Adapter:
    from bots.discord.adapter import DiscordAdapter

    return DiscordAdapter(settings)


def _slack(settings: Settings) -> Adapter:
    from bots.slack.adapter import SlackAdapter

    return SlackAdapter(settings)


def _slack_configured(s: Settings) -> bool:
    has_transport = s.slack_app_token.get_secret_value() or s.slack_signing_secret.get_secret_value()
    return bool(s.slack_bot_token.get_secret_value() and has_transport)


SPECS: list[AdapterSpec] = [
    AdapterSpec("telegram", "TELEGRAM_BOT_TOKEN", lambda s: bool(s.telegram_bot_token.get_secret_value()), _telegram),
    AdapterSpec("discord", "DISCORD_BOT_TOKEN", lambda s: bool(s.discord_bot_token.get_secret_value()), _discord),
    AdapterSpec("slack", "SLACK_BOT_TOKEN + SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET)", _slack_configured, _slack),
]


def configured(settings: Settings) -> list[AdapterSpec]:
    return [spec for spec in SPECS if spec.configured(settings)]

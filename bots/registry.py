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


def _telegram(settings: Settings) -> Adapter:
    from bots.telegram import TelegramAdapter  # aiogram is imported only when it is used

    return TelegramAdapter(settings)


def _not_yet(name: str) -> Callable[[Settings], Adapter]:
    def build(settings: Settings) -> Adapter:
        raise RuntimeError(f"the {name} adapter is not built yet")

    return build


SPECS: list[AdapterSpec] = [
    AdapterSpec("telegram", "TELEGRAM_BOT_TOKEN",
                lambda s: bool(s.telegram_bot_token.get_secret_value()), _telegram),
    AdapterSpec("discord", "DISCORD_BOT_TOKEN",
                lambda s: bool(s.discord_bot_token.get_secret_value()),
                lambda s: __import__("bots.discord.adapter", fromlist=["DiscordAdapter"]).DiscordAdapter(s)),
    AdapterSpec("slack", "SLACK_BOT_TOKEN + SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET)",
                lambda s: bool(s.slack_bot_token.get_secret_value()
                               and (s.slack_app_token.get_secret_value() or s.slack_signing_secret.get_secret_value())),
                # slack_bolt is imported only when the adapter is built
                lambda s: __import__("bots.slack.adapter", fromlist=["SlackAdapter"]).SlackAdapter(s)),
]


def configured(settings: Settings) -> list[AdapterSpec]:
    return [spec for spec in SPECS if spec.configured(settings)]

"""Which adapters exist, their settings, and whether those switch each one on.

Each spec imports its platform library only when that platform is built, so a gateway with
only Telegram configured never loads discord.py or slack-bolt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from bots.base import Adapter
from bots.discord.settings import DiscordSettings
from bots.platform_settings import PlatformSettings
from bots.slack.settings import SlackSettings
from bots.telegram.settings import TelegramSettings
from core.config import load


@dataclass(frozen=True)
class AdapterSpec:
    name: str
    needs: str  # the settings that switch it on, for messages
    settings: type[PlatformSettings]
    build: Callable[[PlatformSettings], Adapter]
    register_cli: Callable[[typer.Typer], None] | None = None  # its `switchboard <name> ...` commands

    def load(self, env_file: str | Path | None = ".env") -> PlatformSettings:
        """Its settings (raises SettingsError with the one line naming a bad one)."""
        return load(self.settings, env_file)


@dataclass(frozen=True)
class Configured:
    spec: AdapterSpec
    settings: PlatformSettings

    def build(self) -> Adapter:
        return self.spec.build(self.settings)


def _telegram(settings: PlatformSettings) -> Adapter:
    from bots.telegram.adapter import TelegramAdapter

    assert isinstance(settings, TelegramSettings)
    return TelegramAdapter(settings)


def _discord(settings: PlatformSettings) -> Adapter:
    from bots.discord.adapter import DiscordAdapter

    assert isinstance(settings, DiscordSettings)
    return DiscordAdapter(settings)


def _slack(settings: PlatformSettings) -> Adapter:
    from bots.slack.adapter import SlackAdapter

    assert isinstance(settings, SlackSettings)
    return SlackAdapter(settings)


def _discord_cli(app: typer.Typer) -> None:
    from bots.discord.cli import register_cli

    register_cli(app)


SPECS: list[AdapterSpec] = [
    AdapterSpec("telegram", "TELEGRAM_BOT_TOKEN", TelegramSettings, _telegram),
    AdapterSpec("discord", "DISCORD_BOT_TOKEN", DiscordSettings, _discord, _discord_cli),
    AdapterSpec("slack", "SLACK_BOT_TOKEN + SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET)", SlackSettings, _slack),
]


def configured(env_file: str | Path | None = ".env") -> list[Configured]:
    """Every platform whose settings switch it on (raises SettingsError on a bad setting)."""
    found = [Configured(spec, spec.load(env_file)) for spec in SPECS]
    return [c for c in found if c.settings.configured()]


def incomplete(env_file: str | Path | None = ".env") -> list[str]:
    """One line per half-configured platform, naming the setting that is missing."""
    lines = [spec.load(env_file).incomplete() for spec in SPECS]
    return [line for line in lines if line]


def register_cli(app: typer.Typer) -> None:
    """Adds every platform's own command group (e.g. `switchboard discord sync`)."""
    for spec in SPECS:
        if spec.register_cli is not None:
            spec.register_cli(app)

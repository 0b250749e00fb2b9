"""DISCORD_* settings (see the README's Discord section and .env.example)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bots.platform_settings import PlatformSettings
from core.config import http_url, ws_url


class DiscordSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="DISCORD_")

    bot_token: SecretStr = SecretStr("")
    api_base: str = ""  # another REST base (tests), e.g. http://127.0.0.1:9999/api/v10
    gateway_url: str = ""  # another gateway WebSocket (tests), e.g. ws://127.0.0.1:9999/
    guild_id: str = ""  # sync slash commands to this server only (instant; for testing)
    auto_thread: bool = False  # answer channel mentions in a new thread
    message_content: bool = False  # privileged intent: read every message, not only mentions
    allowed_users: str = ""  # comma-separated user ids; empty: everyone
    allowed_roles: str = ""  # comma-separated role ids
    allowed_channels: str = ""  # comma-separated channel ids
    shard_count: Annotated[int, Field(ge=1, le=1000)] = 1  # gateway shards; each is connected by one replica
    backlog: Annotated[int, Field(ge=0)] = 1000  # messages kept in memory while Redis is unreachable

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return ws_url(value)

    def configured(self) -> bool:
        return bool(self.bot_token.get_secret_value())

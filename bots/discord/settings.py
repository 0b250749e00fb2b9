"""DISCORD_* settings (see the README's Discord section and .env.example)."""

from __future__ import annotations

import re
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

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # A bot token is three base64url parts joined by dots (id, timestamp, signature).
        token = value.get_secret_value().strip()
        if token.lower().startswith("bot "):
            raise ValueError("give the token alone, without the 'Bot ' prefix")
        if token and not re.fullmatch(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}", token):
            raise ValueError("does not look like a bot token (three parts joined by dots); copy it again "
                             "from the Developer Portal (your application → Bot → Reset Token)")
        return SecretStr(token)

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

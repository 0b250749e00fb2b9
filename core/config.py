"""The one place that reads configuration: `.env` plus the environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.llm.base import ApiMode
from core.types import SessionScope

PositiveInt = Annotated[int, Field(gt=0)]
Seconds = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    """Every setting, named as in `.env.example` (upper case there)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # The model endpoint
    model_base_url: str = ""
    model_api_key: SecretStr = SecretStr("")
    model_name: str = ""
    model_api_mode: ApiMode = "auto"
    model_context_window: PositiveInt | None = None  # overrides what /models says
    model_connect_timeout: Seconds = 10.0
    model_first_token_timeout: Seconds = 120.0
    model_idle_timeout: Seconds = 60.0
    model_fallbacks: str = ""  # comma-separated models on MODEL_BASE_URL, tried in order
    model_endpoints_file: Path = Path("endpoints.toml")  # extra failover endpoints; missing file = none
    model_retries: Annotated[int, Field(ge=0, le=10)] = 2  # retries per target on transient failures
    model_max_retry_wait: Seconds = 10.0  # a longer Retry-After moves on to the next target
    model_cooldown_seconds: Seconds = 30.0  # first rest of a failing target; doubles per failure
    model_cooldown_max_seconds: Seconds = 600.0
    model_catalog_ttl: PositiveInt = 600  # seconds the model list is cached in Redis
    model_http_transport: Literal["aiohttp", "httpx"] = "aiohttp"  # httpx's own pool, or aiohttp under httpx

    # Memory and conversations
    redis_url: str = ""  # empty: an embedded Redis with its data under DATA_DIR
    redis_prefix: str = "sb:"
    data_dir: Path = Path("data")
    system_prompt: str = "You are a helpful assistant. Answer concisely."
    min_context_tokens: PositiveInt = 64000
    reply_reserve_tokens: PositiveInt = 4096
    session_ttl: PositiveInt = 7 * 24 * 3600
    session_scope: SessionScope = "user"
    max_input_chars: PositiveInt = 8000
    max_history_turns: PositiveInt = 200
    user_messages_per_minute: Annotated[int, Field(ge=0)] = 20  # 0 turns the limit off

    # The gateway's own HTTP server (webhooks, health); started only when something needs it
    http_host: str = "0.0.0.0"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080

    # Telegram
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_base: str = ""  # a self-hosted Bot API server (or a test fake)
    telegram_webhook_url: str = ""  # empty: long polling
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_allowed_users: str = ""  # comma-separated ids or @usernames; empty: everyone
    telegram_allowed_chats: str = ""  # comma-separated chat ids; empty: every chat
    telegram_drafts: bool = True  # stream private replies as native drafts (sendMessageDraft)

    # Discord
    discord_bot_token: SecretStr = SecretStr("")
    discord_api_base: str = ""  # another REST base (tests), e.g. http://127.0.0.1:9999/api/v10
    discord_gateway_url: str = ""  # another gateway WebSocket (tests), e.g. ws://127.0.0.1:9999/
    discord_guild_id: str = ""  # sync slash commands to this server only (instant; for testing)
    discord_auto_thread: bool = False  # answer channel mentions in a new thread
    discord_message_content: bool = False  # privileged intent: read every message, not only mentions
    discord_allowed_users: str = ""  # comma-separated user ids; empty: everyone
    discord_allowed_roles: str = ""  # comma-separated role ids
    discord_allowed_channels: str = ""  # comma-separated channel ids

    # Slack
    slack_bot_token: SecretStr = SecretStr("")
    slack_app_token: SecretStr = SecretStr("")  # xapp-...: Socket Mode
    slack_signing_secret: SecretStr = SecretStr("")  # set instead of the app token: HTTP Events mode
    slack_api_url: str = ""  # another Web API base (tests), e.g. http://127.0.0.1:9999/api/
    slack_slash_command: str = "/switchboard"
    slack_streaming: Literal["auto", "on", "off"] = "auto"  # chat.startStream where supported
    slack_allowed_users: str = ""  # comma-separated user ids; empty: everyone
    slack_allowed_channels: str = ""  # comma-separated channel ids

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("model_base_url", "telegram_api_base", "telegram_webhook_url", "discord_api_base", "slack_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SettingsError(Exception):
    """A bad setting, already phrased as the one line the operator should read."""


def describe(error: ValidationError) -> str:
    """One line naming the first bad setting and what is wrong with it (never its value)."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"Invalid setting {name}: {message}"


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def load_or_exit(env_file: str | Path | None = ".env") -> Settings:
    """For entry points: a bad value stops start-up with one line and exit code 2."""
    try:
        return load_settings(env_file)
    except SettingsError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

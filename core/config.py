"""The one place that reads configuration: `.env` plus the environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal, NoReturn, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.llm.base import ApiMode
from core.types import SessionScope

PositiveInt = Annotated[int, Field(gt=0)]
Seconds = Annotated[float, Field(gt=0)]


def http_url(value: str) -> str:
    """A validator for URL settings: http(s) only, no trailing slash."""
    value = value.strip()
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


def ws_url(value: str) -> str:
    """A validator for WebSocket URL settings."""
    value = value.strip()
    if value and not value.startswith(("ws://", "wss://")):
        raise ValueError("must start with ws:// or wss://")
    return value


class Settings(BaseSettings):
    """The core's settings, named as in `.env.example` (upper case there).

    Each platform adapter reads its own (bots/<platform>/settings.py, with its env prefix).
    """

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
    # Extra failover endpoints. Unset: ./endpoints.toml when there is one; set: that file, which must exist.
    model_endpoints_file: Path | None = None
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
    drain_seconds: Annotated[float, Field(ge=0)] = 10.0  # on shutdown, replies in flight get this long
    # A replica's hold on a conversation, the Telegram poller or a Discord shard lasts this long
    # unless renewed (every third of it): after a crash, another replica takes over about this late.
    lease_seconds: Annotated[float, Field(ge=1)] = 6.0

    # Photos, voice notes and files (README: "Photos, voice and files")
    image_max_bytes: PositiveInt = 10 * 1024 * 1024  # a photo stated bigger is refused before download
    vision_models: str = ""  # comma-separated models on MODEL_BASE_URL that read images ("*": all)
    transcribe_model: str = ""  # e.g. whisper-1; empty: voice notes get a line saying how to turn it on
    transcribe_base_url: str = ""  # another OpenAI-compatible endpoint for /audio/transcriptions
    transcribe_api_key: SecretStr = SecretStr("")  # its key; MODEL_API_KEY is sent only to MODEL_BASE_URL
    file_max_chars: PositiveInt = 40_000  # longer text files (and PDFs' text) get a line instead

    # Who may talk, and how much (README "Access, budgets and admins")
    access_policy: Literal["open", "allowlist", "pairing"] = "open"
    admins: str = ""  # platform:user_id, comma-separated: telegram:123,discord:456,slack:U789
    user_daily_tokens: Annotated[int, Field(ge=0)] = 0  # input + output tokens per user per UTC day; 0 = no limit
    user_monthly_tokens: Annotated[int, Field(ge=0)] = 0  # per UTC calendar month; 0 = no limit

    # The gateway's own HTTP server: webhooks, /healthz, /readyz, /metrics (`switchboard run` always starts it)
    http_host: str = "0.0.0.0"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for a log shipper

    @field_validator("model_base_url", "transcribe_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("admins")
    @classmethod
    def _admins(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            platform, _, user = item.partition(":")
            if item and not (platform.strip() and user.strip()):
                raise ValueError(f"write each admin as platform:user_id (e.g. telegram:123), not {item[:40]!r}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", "access_policy", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class SettingsError(Exception):
    """A bad setting, already phrased as the one line the operator should read."""


AnySettings = TypeVar("AnySettings", bound=BaseSettings)


def describe(error: ValidationError, env_prefix: str = "") -> str:
    """One line naming the first bad setting and what is wrong with it (never its value)."""
    first = error.errors()[0]
    name = (env_prefix + str(first["loc"][0])).upper() if first["loc"] else "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"Invalid setting {name}: {message}"


def load(kind: type[AnySettings], env_file: str | Path | None = ".env") -> AnySettings:
    """Any settings class (the core's or a platform's) from `env_file` plus the environment."""
    try:
        return kind(_env_file=env_file)
    except ValidationError as exc:
        raise SettingsError(describe(exc, str(kind.model_config.get("env_prefix", "")))) from None


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    return load(Settings, env_file)


def exit_on_bad_setting(exc: SettingsError) -> NoReturn:
    """For entry points: a bad value stops start-up with one line and exit code 2."""
    print(f"switchboard: {exc}", file=sys.stderr)
    raise SystemExit(2) from None


def load_or_exit(env_file: str | Path | None = ".env") -> Settings:
    try:
        return load_settings(env_file)
    except SettingsError as exc:
        exit_on_bad_setting(exc)

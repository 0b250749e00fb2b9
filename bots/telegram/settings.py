"""TELEGRAM_* settings (see the README's Telegram section and .env.example)."""

from __future__ import annotations

import re

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bots.platform_settings import PlatformSettings
from core.config import http_url


class TelegramSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")

    bot_token: SecretStr = SecretStr("")
    api_base: str = ""  # a self-hosted Bot API server (or a test fake)
    webhook_url: str = ""  # empty: long polling
    webhook_secret: SecretStr = SecretStr("")
    allowed_users: str = ""  # comma-separated ids or @usernames; empty: everyone
    allowed_chats: str = ""  # comma-separated chat ids; empty: every chat
    drafts: bool = True  # stream private replies as native drafts (sendMessageDraft)
    rich_messages: bool = True  # answers with tables, and long ones, as one rich message (sendRichMessage)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # What BotFather issues (and aiogram accepts): the bot's id, a colon, then the secret.
        token = value.get_secret_value().strip()
        if token and not re.fullmatch(r"[0-9]+:[A-Za-z0-9_-]+", token):
            raise ValueError("does not look like a bot token (123456789:AA...); copy it again from @BotFather")
        return SecretStr(token)

    @field_validator("api_base", "webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    def configured(self) -> bool:
        return bool(self.bot_token.get_secret_value())

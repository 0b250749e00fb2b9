"""SLACK_* settings (see the README's Slack section and .env.example)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bots.platform_settings import PlatformSettings
from core.config import http_url

MAX_PROMPTS = 4  # assistant.threads.setSuggestedPrompts takes up to four


class SlackSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="SLACK_")

    bot_token: SecretStr = SecretStr("")
    app_token: SecretStr = SecretStr("")  # xapp-...: Socket Mode
    signing_secret: SecretStr = SecretStr("")  # set instead of the app token: HTTP Events mode
    api_url: str = ""  # another Web API base (tests), e.g. http://127.0.0.1:9999/api/
    slash_command: str = "/switchboard"
    streaming: Literal["auto", "on", "off"] = "auto"  # chat.startStream where supported
    allowed_users: str = ""  # comma-separated user ids; empty: everyone
    allowed_channels: str = ""  # comma-separated channel ids
    # Offered when someone opens the assistant pane; "|" between prompts, empty: none.
    suggested_prompts: str = "Explain a concept simply|Summarize a text I paste|Help me write a message"

    @field_validator("bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if token and not token.startswith(("xoxb-", "xoxe.xoxb-")):  # xoxe.: a rotating token
            raise ValueError("is not a bot token (xoxb-…): copy the Bot User OAuth Token from your app's "
                             "OAuth & Permissions page")
        return SecretStr(token)

    @field_validator("app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if token and not token.startswith("xapp-"):
            raise ValueError("is not an app-level token (xapp-…): make one under your app's Basic Information "
                             "→ App-Level Tokens, with the connections:write scope")
        return SecretStr(token)

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value)

    def prompts(self) -> list[str]:
        """SLACK_SUGGESTED_PROMPTS as a list (Slack shows at most four)."""
        return [p.strip() for p in self.suggested_prompts.split("|") if p.strip()][:MAX_PROMPTS]

    def _transport(self) -> bool:
        return bool(self.app_token.get_secret_value() or self.signing_secret.get_secret_value())

    def configured(self) -> bool:
        return bool(self.bot_token.get_secret_value()) and self._transport()

    def incomplete(self) -> str | None:
        if self.bot_token.get_secret_value() and not self._transport():
            return ("SLACK_BOT_TOKEN is set but SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
                    "(HTTP events) is missing")
        if self._transport() and not self.bot_token.get_secret_value():
            return "SLACK_BOT_TOKEN is missing (the xoxb-… token from your app's OAuth & Permissions page)"
        return None

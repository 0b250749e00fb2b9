"""What every platform's settings class shares: the same `.env`, its own env prefix."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    """Subclasses set `env_prefix` (TELEGRAM_, DISCORD_, SLACK_) and say when they are usable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    def configured(self) -> bool:
        """True when the settings that switch the platform on are all set."""
        raise NotImplementedError

    def incomplete(self) -> str | None:
        """One line naming what is missing when the platform is half set up; else None."""
        return None

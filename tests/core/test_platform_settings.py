"""Each platform's settings say what is wrong in one line naming the setting, before anything
connects: a token of the wrong shape, or a platform only half set up. No secret is ever shown."""

from __future__ import annotations

import pytest

from bots.discord.settings import DiscordSettings
from bots.platform_settings import PlatformSettings
from bots.slack.settings import SlackSettings
from bots.telegram.settings import TelegramSettings
from core.config import SettingsError, load


@pytest.mark.parametrize(("kind", "env", "value", "line"), [
    (TelegramSettings, "TELEGRAM_BOT_TOKEN", "not a token",
     "Invalid setting TELEGRAM_BOT_TOKEN: does not look like a bot token (123456789:AA...); copy it again "
     "from @BotFather"),
    (TelegramSettings, "TELEGRAM_BOT_TOKEN", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "does not look like a bot token"),
    (DiscordSettings, "DISCORD_BOT_TOKEN", "just-some-secret-text", "does not look like a bot token"),
    (DiscordSettings, "DISCORD_BOT_TOKEN", "Bot MTAxMjM0NTY3ODkwMTIzNDU2.GfakeT.fake-discord-token-for-the-tests",
     "without the 'Bot ' prefix"),
    (SlackSettings, "SLACK_BOT_TOKEN", "xapp-1-A0123-4567-abcdef", "is not a bot token (xoxb-…)"),
    (SlackSettings, "SLACK_APP_TOKEN", "xoxb-1234-5678-abcdef", "is not an app-level token (xapp-…)"),
])
def test_a_token_of_the_wrong_shape_is_one_line_naming_the_setting(
        monkeypatch: pytest.MonkeyPatch, kind: type[PlatformSettings], env: str, value: str, line: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as failure:
        load(kind, None)
    message = str(failure.value)
    assert message.startswith(f"Invalid setting {env}: ") and line in message
    assert value not in message and "\n" not in message


@pytest.mark.parametrize(("kind", "env", "value"), [
    (TelegramSettings, "TELEGRAM_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    (DiscordSettings, "DISCORD_BOT_TOKEN", "MTAxMjM0NTY3ODkwMTIzNDU2.GfakeT.fake-discord-token-for-the-tests"),
    (SlackSettings, "SLACK_BOT_TOKEN", "xoxb-1234-5678-abcdef"),
    (SlackSettings, "SLACK_BOT_TOKEN", "xoxe.xoxb-1-MS0yLTEyMzQ1Ng"),
    (SlackSettings, "SLACK_APP_TOKEN", "xapp-1-A0123-4567-abcdef"),
])
def test_tokens_of_the_right_shape_pass(monkeypatch: pytest.MonkeyPatch, kind: type[PlatformSettings],
                                        env: str, value: str) -> None:
    monkeypatch.setenv(env, f"  {value} ")  # pasted with spaces around it
    settings = load(kind, None)
    assert getattr(settings, env.split("_", 1)[1].lower()).get_secret_value() == value


@pytest.mark.parametrize(("env", "missing"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdef"}, "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"),
    ({"SLACK_APP_TOKEN": "xapp-1-A0123-4567-abcdef"}, "SLACK_BOT_TOKEN is missing"),
    ({"SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef"}, "SLACK_BOT_TOKEN is missing"),
])
def test_half_configured_slack_names_the_missing_setting(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                         missing: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load(SlackSettings, None)
    assert not settings.configured()
    assert missing in (settings.incomplete() or "")

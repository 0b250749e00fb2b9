"""Start-up and outages: a bad token stops start-up; Telegram being down never does."""

from __future__ import annotations

import logging

import pytest

from core.errors import StartupError
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import PRIVATE_CHAT, StartBot


async def test_rejected_token_stops_start_up_with_one_line(start_bot: StartBot) -> None:
    with pytest.raises(StartupError, match="rejected TELEGRAM_BOT_TOKEN"):
        await start_bot(telegram_bot_token="4242:not-the-right-token")


async def test_commands_are_registered_and_webhook_cleared_for_polling(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.webhook = {"url": "https://stale.example.com/hook"}  # left over from another mode
    await bot.adapter.stop_intake()
    await bot.adapter.close()
    bot = await start_bot()
    names = [c["command"] for c in bot.fake.commands["default:"]]
    assert names == ["start", "help", "ask", "model", "continue", "retry", "reset", "stop", "usage"]
    bot.say("polling works")
    await bot.reply_is(PRIVATE_CHAT, "You said: polling works")
    assert bot.adapter.status() == "polling as @switchboard_bot"


async def test_outage_at_start_and_while_polling_never_stops_the_bot(
        start_bot: StartBot, fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake.fail_next("getMe", 502, "Bad Gateway", times=4)  # retried after 0.05, 0.1, 0.2 s: still failing at first
    bot = await start_bot()
    assert bot.adapter.status().startswith(("connecting", "reconnecting"))
    assert not bot.adapter.ready()
    fake.fail_next("getUpdates", 502, "Bad Gateway", times=3)
    bot.say("still there?")
    await bot.reply_is(PRIVATE_CHAT, "You said: still there?")
    assert bot.adapter.status() == "polling as @switchboard_bot"
    assert bot.adapter.ready()
    assert sum(c.status == 502 for c in fake.calls) == 7
    said = [r.getMessage() for r in caplog.records]
    # Once per outage (two here: at start, then while polling), not once per failed attempt (7).
    assert sum("Telegram is unreachable" in m for m in said) == 2
    assert sum("Telegram is reachable again" in m for m in said) == 2
    assert not any(m.startswith(("Failed to fetch updates", "Sleep for")) for m in said)
    assert not any(r.exc_info for r in caplog.records)

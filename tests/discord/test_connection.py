"""Start-up as an operator meets it: a wrong token or a refused intent stops it with one line;
Discord being down at start does not, and the bot connects once it is back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.errors import StartupError
from tests.discord.conftest import StartBot
from tests.fakes.discord_api import FakeDiscord


async def test_a_wrong_token_stops_start_up_with_one_line(start_bot: StartBot) -> None:
    with pytest.raises(StartupError, match="rejected DISCORD_BOT_TOKEN") as failure:
        await start_bot(discord_bot_token="MTAxMjM0NTY3ODkwMTIzNDU2.GwronG.not-the-token-of-this-bot")
    assert "not-the-token" not in str(failure.value)


async def test_a_refused_content_intent_says_where_to_enable_it(start_bot: StartBot, fake: FakeDiscord) -> None:
    fake.gateway.allow_message_content = False  # the toggle is off in the Developer Portal
    with pytest.raises(StartupError, match="Privileged Gateway Intents"):
        await start_bot(discord_message_content=True)
    assert fake.gateway.closed_with == [4014]


async def test_discord_down_at_start_is_retried_in_the_background(start_bot: StartBot, fake: FakeDiscord,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fake.fail("GET /users/@me", 503, 0, "upstream connect error", times=3)
    bot = await start_bot(adapter={"retry_delay": 0.05})
    assert bot.adapter.status().startswith("connecting (Discord unreachable")
    assert not bot.adapter.ready()  # /readyz names Discord meanwhile
    await fake.wait_for(lambda: fake.gateway.connected, what="a gateway session after the retry")
    fake.user_message("are you there?", mention=True)
    await bot.channel_says(fake.channel_id, "You said: are you there?")
    await asyncio.wait_for(bot.adapter.shards[0].client.wait_until_ready(), 5)
    assert bot.adapter.status().startswith("gateway as switchboard")
    assert bot.adapter.ready()
    await bot.adapter.stop_intake()
    assert not bot.adapter.ready()  # shutting down: no longer a replica to send work to
    said = [r.getMessage() for r in caplog.records]
    # Said once per outage, not once per attempt (4 logins here).
    assert sum("Discord is unreachable" in m for m in said) == 1
    assert sum("Discord is reachable again" in m for m in said) == 1
    assert sum(m == "logging in using static token" for m in said) == 1

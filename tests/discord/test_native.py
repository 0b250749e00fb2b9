"""Discord's native pieces: a user-installed app answering where the bot is not a member, a Stop
button on answers being written, and a Continue button under an answer cut at its length limit."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from bots.discord.cli import sync_commands
from bots.discord.menus import RUN_PREFIX, STOP_ID
from bots.discord.settings import DiscordSettings
from core.commands.continue_answer import GO_ON
from core.reply.stream import CONTINUE_OFFER, STOPPED_MARK
from tests.discord.conftest import Running, StartBot
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_models import EPHEMERAL

ANSWER = "one two three four five six seven eight nine ten"


async def _synced(fake: FakeDiscord) -> None:
    await sync_commands(DiscordSettings(_env_file=None, bot_token=SecretStr(fake.token),  # type: ignore[call-arg]
                                        api_base=fake.base_url, gateway_url=fake.gateway_url))


def _channel_calls(bot: Running, channel_id: int) -> list[str]:
    return [c.name for c in bot.fake.calls if c.path.startswith(f"/api/v10/channels/{channel_id}")]


async def test_a_user_installed_ask_is_answered_through_its_interaction_where_the_bot_is_not(
        start_bot: StartBot) -> None:
    bot = await start_bot()
    await _synced(bot.fake)
    record = bot.fake.slash("ask", {"prompt": "hello from elsewhere"}, channel_id=bot.fake.elsewhere_channel_id,
                            user_install=True)
    await bot.response_is(record, "You said: hello from elsewhere")
    assert record.payload["authorizing_integration_owners"] == {"1": bot.fake.alice["id"]}
    assert bot.fake.elsewhere_guild_id not in {g.id for g in bot.adapter.client.guilds}
    assert _channel_calls(bot, bot.fake.elsewhere_channel_id) == []  # nothing went around the interaction
    usage = bot.fake.slash("usage", channel_id=bot.fake.elsewhere_channel_id, user_install=True)
    await bot.fake.wait_for(lambda: "All time: 1 request" in "".join(bot.fake.response_texts(usage)), what="usage")
    assert usage.callback_data == {"flags": EPHEMERAL}


async def test_a_user_installed_ask_in_a_group_dm_is_answered(start_bot: StartBot) -> None:
    bot = await start_bot()
    await _synced(bot.fake)
    record = bot.fake.slash("ask", {"prompt": "in our group"}, channel_id=bot.fake.group_dm_id,
                            author=bot.fake.bob, user_install=True)
    await bot.response_is(record, "You said: in our group")
    assert record.payload["context"] == 2 and _channel_calls(bot, bot.fake.group_dm_id) == []


async def test_the_stop_button_under_a_slash_answer_ends_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    record = fake.slash("ask", {"prompt": "count to ten"})
    original = await fake.wait_for(lambda: fake.original_where(record, lambda m: m.content), what="the first words")
    assert original is not None
    assert original.components[0]["components"][0]["custom_id"] == STOP_ID
    click = fake.click(original.id, STOP_ID)
    await bot.model.wait_disconnect()
    await bot.response_is(record, "one two three " + STOPPED_MARK)
    assert click.callback_type == 6 and original.components == []  # acknowledged quietly; the button went


async def test_the_stop_button_under_a_mention_answer_ends_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    fake.user_message("count to ten", mention=True)
    (message,) = await fake.wait_for(lambda: fake.bot_messages(fake.channel_id), what="the first words")
    fake.click(message.id, STOP_ID)
    await bot.model.wait_disconnect()
    await bot.channel_says(fake.channel_id, "one two three " + STOPPED_MARK)
    assert message.components == []


async def test_a_finished_answer_keeps_no_stop_button(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.user_message("hi", mention=True)
    await bot.channel_says(bot.fake.channel_id, "You said: hi")
    assert bot.fake.bot_messages(bot.fake.channel_id)[0].components == []


async def test_a_cut_answer_offers_a_continue_button(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.finish_reason = "length"
    fake.user_message("tell me everything", mention=True)
    await fake.wait_for(lambda: CONTINUE_OFFER in fake.texts(fake.channel_id), what="the offer")
    await bot.gateway.join()
    offer = fake.bot_messages(fake.channel_id)[-1]
    (button,) = offer.components[0]["components"]
    assert button["type"] == 2 and button["label"] == "Continue" and button["custom_id"] == RUN_PREFIX + "/continue"
    bot.model.finish_reason = "stop"
    fake.click(offer.id, button["custom_id"])
    await fake.wait_for(lambda: offer.content == f"You said: {GO_ON}", what="the continuation in place")
    await bot.gateway.join()
    assert bot.model.chat_requests()[-1].body["messages"][-1] == {"role": "user", "content": GO_ON}

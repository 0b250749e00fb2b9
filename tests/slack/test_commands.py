"""The slash command (/switchboard ask|model|reset|usage|help) and the /model buttons."""

from __future__ import annotations

from tests.fakes.slack_events import ALICE_DM, GENERAL
from tests.slack.conftest import StartBot


async def test_slash_command_switches_model_and_is_acked(start_bot: StartBot) -> None:
    bot = await start_bot()
    envelope = await bot.fake.command("model fake-other")
    await bot.fake.wait_for(lambda: bot.fake.acks.get(envelope), what="the command's ack")
    assert bot.fake.acks[envelope] == [{"envelope_id": envelope}]
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the command's answer")
    (_, answer), = bot.fake.responses
    assert answer["text"] == "Model switched to fake-other." and answer["response_type"] == "ephemeral"
    event = await bot.fake.mention("which model?")
    await bot.thread_shows(GENERAL, event["ts"], "You said: which model?")
    assert bot.model.chat_requests()[-1].body["model"] == "fake-other"


async def test_model_listing_buttons_switch_the_model(start_bot: StartBot) -> None:
    bot = await start_bot()
    event = await bot.fake.mention("/model")
    listing = await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="the listing")
    buttons = [e for b in listing[0].blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == ["/model fake-other"]  # fake-small is under the minimum
    assert "Current model: fake-large" in listing[0].blocks[0]["text"]["text"]
    await bot.fake.press(listing[0], buttons[0]["value"])
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the switch")
    assert bot.fake.responses[0][1]["text"] == "Model switched to fake-other."
    assert not bot.model.chat_requests()


async def test_slash_ask_answers_in_the_channel_and_help_privately(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.fake.command("what is two and two", channel=ALICE_DM)
    await bot.thread_shows(ALICE_DM, None, "You said: what is two and two")
    await bot.fake.command("")
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the help text")
    assert "/model" in bot.fake.responses[0][1]["text"]


async def test_slash_ask_where_the_bot_is_not_a_member_says_how_to_invite_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.outside.add("C0SECRET")
    await bot.fake.command("ask anything", channel="C0SECRET")
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the explanation")
    await bot.gateway.join()
    (_, answer), = bot.fake.responses
    assert answer["text"].startswith("I can't post in this channel. Invite me with /invite @switchboard")
    assert not bot.fake.texts("C0SECRET", None)

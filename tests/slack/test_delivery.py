"""Socket Mode delivery: acks, re-deliveries, duplicate events for one message, reconnects, DMs."""

from __future__ import annotations

import logging

import pytest

from core.errors import StartupError
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import ALICE_DM, GENERAL
from tests.slack.conftest import StartBot


async def test_dm_is_answered_directly(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.fake.dm("hello there")
    await bot.thread_shows(ALICE_DM, None, "You said: hello there")
    assert not bot.fake.calls_to("chat.startStream")  # a top-level DM reply has no thread to stream into


async def test_redelivered_event_gets_no_second_reply(start_bot: StartBot) -> None:
    bot = await start_bot()
    event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> once please")
    first = await bot.fake.send_event(event)  # retry_attempt 0: Bolt's x-slack-retry-num is "0"
    await bot.thread_shows(GENERAL, event["ts"], "You said: once please")
    again = await bot.fake.redeliver(first)
    await bot.fake.wait_for(lambda: len(bot.fake.acks.get(again, [])) == 2, what="the re-delivery's ack")
    await bot.gateway.join()
    assert bot.fake.envelopes[again].retry_attempt == 1
    assert bot.fake.texts(GENERAL, event["ts"]) == ["You said: once please"]
    assert len(bot.model.chat_requests()) == 1


async def test_mention_also_delivered_as_channel_message_is_answered_once(start_bot: StartBot) -> None:
    bot = await start_bot()
    mention = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> just once")
    as_message = bot.fake.message_event(mention["text"], ts=mention["ts"], kind="message")
    ids = [await bot.fake.send_event(mention), await bot.fake.send_event(as_message)]
    await bot.thread_shows(GENERAL, mention["ts"], "You said: just once")
    await bot.fake.wait_for(lambda: all(bot.fake.acks.get(i) for i in ids), what="both acks")
    assert len(bot.model.chat_requests()) == 1


async def test_unaddressed_channel_message_is_acked_and_ignored(start_bot: StartBot) -> None:
    bot = await start_bot()
    chatter = bot.fake.message_event("people talking", kind="message")
    envelope = await bot.fake.send_event(chatter)
    other = await bot.fake.send_event({"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes",
                                       "item": {"type": "message", "channel": GENERAL, "ts": chatter["ts"]},
                                       "ts": chatter["ts"], "event_ts": chatter["ts"]})
    await bot.fake.wait_for(lambda: bot.fake.acks.get(envelope) and bot.fake.acks.get(other), what="the acks")
    await bot.fake.send_event(bot.fake.message_event("a bot", kind="message", bot_id="B0OTHER"))
    await bot.fake.dm("still here?")
    await bot.thread_shows(ALICE_DM, None, "You said: still here?")
    assert len(bot.model.chat_requests()) == 1 and not bot.fake.texts(GENERAL, chatter["ts"])


async def test_reconnects_after_the_connection_drops(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.fake.drop_connections()
    await bot.fake.wait_for(lambda: bot.fake.connections >= 2 and bot.fake.sockets, what="a new connection")
    assert len(bot.fake.calls_to("apps.connections.open")) >= 2  # a fresh URL for the new connection
    await bot.fake.dm("after the drop")
    await bot.thread_shows(ALICE_DM, None, "You said: after the drop")


async def test_ready_while_the_socket_is_open_and_intake_runs(start_bot: StartBot) -> None:
    bot = await start_bot()
    assert bot.adapter.ready()
    await bot.adapter.stop_intake()  # closes the socket: /readyz names Slack from now on
    assert not bot.adapter.ready()


async def test_disconnect_message_moves_to_a_new_connection(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.fake.send_disconnect("refresh_requested")
    await bot.fake.wait_for(lambda: bot.fake.connections >= 2, what="a new connection")
    await bot.fake.dm("after the refresh")
    await bot.thread_shows(ALICE_DM, None, "You said: after the refresh")


async def test_bad_tokens_stop_start_up_with_one_line(start_bot: StartBot) -> None:
    with pytest.raises(StartupError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
        await start_bot(slack_bot_token="xoxb-wrong")
    with pytest.raises(StartupError, match=r"Slack rejected SLACK_APP_TOKEN \(invalid_auth\)"):
        await start_bot(slack_app_token="xapp-wrong")



async def test_slack_down_at_start_is_retried_in_the_background(
        start_bot: StartBot, fake: FakeSlack, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake.bot_token)  # as in a real process: bolt reads it too
    fake.fail_next("auth.test", "service_unavailable", status=503, times=3)
    bot = await start_bot(adapter={"retry_delay": 0.05})  # returns once the WebSocket is open
    await bot.fake.dm("you came back")
    await bot.thread_shows(ALICE_DM, None, "You said: you came back")
    assert bot.adapter.status().startswith("socket mode as @switchboard")
    said = [r.getMessage() for r in caplog.records]
    assert sum("Slack is unreachable (HTTP 503)" in m for m in said) == 1  # once per outage, not per try
    assert sum("Slack is reachable again" in m for m in said) == 1
    assert not any("will be unused" in m for m in said)  # bolt's warning about our own client

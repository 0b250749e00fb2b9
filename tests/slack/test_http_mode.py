"""HTTP Events mode: bolt checks the v0 signature and timestamp of every request."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from bots.slack.answer_blocks import STOP_ACTION
from core.store.feedback import FeedbackCount
from tests.fakes.slack_events import GENERAL
from tests.fakes.slack_models import signed_headers
from tests.slack.conftest import Running, StartBot


async def _http_bot(start_bot: StartBot) -> Running:
    bot = await start_bot(slack_app_token="", slack_signing_secret="test-signing-secret")
    assert bot.adapter.http_mode and bot.adapter.status().startswith("HTTP events at /slack/events")
    assert bot.adapter.ready()
    return bot


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


async def test_signed_event_is_answered_and_bad_signature_refused(start_bot: StartBot) -> None:
    bot = await _http_bot(start_bot)
    forged = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> forged")
    body, headers = bot.fake.signed(bot.fake.callback(forged), secret="not-the-secret")
    assert (await _post(bot.events_url, body, headers))[0] == 401
    stale = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> stale")
    body, headers = bot.fake.signed(bot.fake.callback(stale), timestamp=int(time.time()) - 600)
    assert (await _post(bot.events_url, body, headers))[0] == 401

    good = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> genuine")
    body, headers = bot.fake.signed(bot.fake.callback(good))
    assert (await _post(bot.events_url, body, headers))[0] == 200
    await bot.thread_shows(GENERAL, good["ts"], "You said: genuine")
    headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"] = "1", "http_timeout"
    assert (await _post(bot.events_url, body, headers))[0] == 200  # Slack's retry: acknowledged, not answered
    await bot.gateway.join()
    assert [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()] == ["genuine"]
    assert not bot.fake.in_thread(GENERAL, forged["ts"]) and not bot.fake.in_thread(GENERAL, stale["ts"])


async def test_url_verification_and_signed_slash_command(start_bot: StartBot) -> None:
    bot = await _http_bot(start_bot)
    body, headers = bot.fake.signed({"token": "t", "challenge": "abc123", "type": "url_verification"})
    status, text = await _post(bot.events_url, body, headers)
    assert status == 200 and "abc123" in text
    form = urlencode(bot.fake.command_payload("model fake-other")).encode()
    headers = signed_headers(bot.fake.signing_secret, form, content_type="application/x-www-form-urlencoded")
    assert (await _post(bot.events_url, form, headers))[0] == 200
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the command's answer")
    assert bot.fake.responses[0][1]["text"] == "Model switched to fake-other."


async def test_button_presses_with_their_labels_are_taken_in(start_bot: StartBot) -> None:
    """A pressed button's action carries its label as a text object: once refused as "not a string"."""
    bot = await _http_bot(start_bot)
    event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> rate me")
    body, headers = bot.fake.signed(bot.fake.callback(event))
    assert (await _post(bot.events_url, body, headers))[0] == 200
    await bot.thread_shows(GENERAL, event["ts"], "You said: rate me")
    (answer,) = bot.fake.in_thread(GENERAL, event["ts"])
    stop = bot.fake.press_payload(answer, "/stop")
    stop["actions"][0] |= {"action_id": STOP_ACTION, "text": {"type": "plain_text", "text": "■ Stop", "emoji": True}}
    for payload in (bot.fake.feedback_payload(answer, positive=True), stop):
        form = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(bot.fake.signing_secret, form, content_type="application/x-www-form-urlencoded")
        assert (await _post(bot.events_url, form, headers))[0] == 200
    await bot.fake.wait_for(lambda: bot.fake.responses, what="the thanks for the rating")
    assert await bot.gateway.core.feedback.counts() == [FeedbackCount("slack", "fake-large", up=1)]


async def test_a_body_that_is_not_json_gets_400_and_one_line(start_bot: StartBot,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    bot = await _http_bot(start_bot)
    bodies = (b"not json", b"{\"type\": \"event_callback\"", b"[1, 2, 3]")  # bolt parses before the signature
    for body in bodies:
        assert (await _post(bot.events_url, body, signed_headers(bot.fake.signing_secret, body)))[0] == 400
    why = ["not JSON", "not JSON", "a JSON list, not an object"]  # one line each, saying why
    assert [r.getMessage() for r in caplog.records if r.name == "bots.slack.http_events"] == [
        f"Slack request from 127.0.0.1 refused: {reason}" for reason in why]
    assert not [r for r in caplog.records if r.exc_info]

"""Webhook mode: the secret token is checked on every request; a right one is answered."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from bots.telegram.webhook import SECRET_HEADER, webhook_secret
from tests.telegram.conftest import PRIVATE_CHAT, StartBot

SECRET = "s3cret-token_42"


async def test_webhook_refuses_a_wrong_secret_and_answers_a_right_one(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/hooks/tg",
                          telegram_webhook_secret=SECRET)
    assert bot.fake.webhook["url"] == "https://bot.example.com/hooks/tg"
    assert bot.fake.webhook["secret_token"] == SECRET
    assert bot.adapter.status() == "webhook https://bot.example.com/hooks/tg as @switchboard_bot"
    url = f"http://127.0.0.1:{bot.web.port}/hooks/tg"
    update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "via webhook", push=False)

    assert await bot.fake.deliver_webhook(url, update, secret="wrong") == 401
    assert await bot.fake.deliver_webhook(url, update) == 401  # no header at all
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 200
    await bot.reply_is(PRIVATE_CHAT, "You said: via webhook")
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 200  # a re-delivery
    await bot.gateway.join()
    assert len(bot.model.chat_requests()) == 1
    assert bot.fake.final_texts(PRIVATE_CHAT) == ["You said: via webhook"]
    assert not bot.fake.calls_to("getUpdates")


async def test_webhook_without_a_configured_secret_derives_one(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com")
    secret = webhook_secret("", bot.fake.token)
    assert bot.fake.webhook["url"] == "https://bot.example.com/telegram"
    assert bot.fake.webhook["secret_token"] == secret
    url = f"http://127.0.0.1:{bot.web.port}/telegram"
    update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "derived", push=False)
    assert await bot.fake.deliver_webhook(url, update, secret="guess") == 401
    assert await bot.fake.deliver_webhook(url, update, secret=secret) == 200
    await bot.reply_is(PRIVATE_CHAT, "You said: derived")


def _bad_bodies() -> list[bytes]:
    """200 bodies of the four kinds a webhook meets: nested past any parser, wrong types, a 1 MB
    text, invalid UTF-8."""
    nested = [b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000]
    wrong = [{"update_id": "seven"}, {"update_id": 1, "message": 5}, {"update_id": [1]},
             {"update_id": 1, "message": {"message_id": "x", "date": 0, "chat": {"id": 1, "type": "private"}}},
             {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": [], "text": "hi"}}, [], "update", None]
    huge = [b"x" * 1_000_000, json.dumps({"update_id": 1, "message": "x" * 999_000}).encode()]
    broken = [b'{"update_id": 1, "message": {"text": "\xff\xfe"}}', b"\xc3\x28" * 10, b'{"a": "\xed\xa0\x80"}']
    kinds = [nested, [json.dumps(w).encode() for w in wrong], huge, broken]
    return [kind[i % len(kind)] for i in range(50) for kind in kinds]


async def test_malformed_bodies_get_4xx_without_a_traceback_and_the_next_message_is_answered(
        start_bot: StartBot, caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg", telegram_webhook_secret=SECRET)
    url = f"http://127.0.0.1:{bot.web.port}/tg"
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    statuses = []
    with caplog.at_level(logging.WARNING):
        async with aiohttp.ClientSession() as session:
            for body in _bad_bodies():
                async with session.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
    assert len(statuses) == 200 and all(400 <= s < 500 for s in statuses), sorted(set(statuses))
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "and now?", push=False)
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 200
    await bot.reply_is(PRIVATE_CHAT, "You said: and now?")

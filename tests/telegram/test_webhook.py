"""Webhook mode: the secret token is checked on every request; a right one is answered."""

from __future__ import annotations

from bots.telegram.webhook import webhook_secret
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

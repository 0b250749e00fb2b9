"""The flood limit answers once, and no webhook request waits for a notice (or an answer) to go out."""

from __future__ import annotations

import asyncio

from tests.telegram.conftest import PRIVATE_CHAT, StartBot

SECRET = "flood-secret"
NOTICE = "Too many messages — I'll read you again in "


async def test_thirty_messages_at_once_get_five_answers_one_notice_and_quick_webhook_answers(
        start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg", telegram_webhook_secret=SECRET,
                          user_messages_per_minute=5, telegram_drafts=False)
    url = f"http://127.0.0.1:{bot.web.port}/tg"
    sends = bot.fake.hold("sendMessage")  # nothing reaches the chat until released
    updates = [bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, f"message {i}", push=False) for i in range(30)]

    async with asyncio.timeout(30):  # a request waiting for the held send would never return: fail, not hang
        statuses = await asyncio.gather(*(bot.fake.deliver_webhook(url, u, secret=SECRET) for u in updates))

    # Every request was answered while no notice and no answer could be sent: none waited for one.
    assert statuses == [200] * 30
    assert bot.fake.calls_to("sendMessage") == []
    await bot.fake.wait_for(lambda: bot.fake.held.get("sendMessage", 0) >= 1, what="a send waiting")
    sends.set()
    await bot.fake.wait_for(lambda: len(bot.fake.final_texts(PRIVATE_CHAT)) >= 6, what="5 answers and a notice")
    await bot.gateway.join()
    texts = bot.fake.final_texts(PRIVATE_CHAT)
    notices = [t for t in texts if t.startswith(NOTICE)]
    answers = [t for t in texts if t.startswith("You said: message ")]
    assert len(notices) == 1 and len(answers) == 5 and len(texts) == 6
    assert len(bot.model.chat_requests()) == 5

"""An update is acknowledged to Telegram only once it is stored: a webhook answers 503 while
Redis is away and 400 for a body that cannot be read; polling keeps the update unconfirmed;
several replicas polling one token take turns through a lease, never two at once."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from bots.telegram.webhook import SECRET_HEADER
from tests.redis_server import RedisServer
from tests.telegram.conftest import PRIVATE_CHAT, StartBot

SECRET = "s3cret-token_42"
HOOK = {"telegram_webhook_url": "https://bot.example.com/hooks/tg", "telegram_webhook_secret": SECRET}


async def test_a_body_that_cannot_be_read_gets_400_and_one_line(start_bot: StartBot,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot(**HOOK)
    url = f"http://127.0.0.1:{bot.web.port}/hooks/tg"
    bodies = [b"not json at all", b"[" * 100_000 + b"]" * 100_000,  # nested past Python's recursion limit
              b'"a string"', json.dumps({"update_id": "twelve", "message": 5}).encode()]
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            async with session.post(url, data=body, headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 400
    refusals = [r for r in caplog.records if "refused with 400" in r.getMessage()]
    assert len(refusals) == len(bodies)
    assert not [r for r in caplog.records if r.exc_info]
    assert bot.model.chat_requests() == []


async def test_a_webhook_update_that_cannot_be_stored_gets_503_until_it_can(start_bot: StartBot,
                                                                              own_redis: RedisServer) -> None:
    bot = await start_bot(**HOOK, redis_url=own_redis.url)
    url = f"http://127.0.0.1:{bot.web.port}/hooks/tg"
    update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "while Redis was away", push=False)
    await own_redis.kill()
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 503  # Telegram re-sends it later
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 503
    await own_redis.start()
    await asyncio.wait_for(bot.gateway.until_storable(), 10)
    assert await bot.fake.deliver_webhook(url, update, secret=SECRET) == 200
    await bot.reply_is(PRIVATE_CHAT, "You said: while Redis was away")


async def test_polling_leaves_an_update_it_could_not_store_unconfirmed(start_bot: StartBot,
                                                                        own_redis: RedisServer) -> None:
    bot = await start_bot(redis_url=own_redis.url)
    await own_redis.kill()
    update = bot.say("while Redis was away")
    await bot.fake.wait_for(lambda: any(update in (c.result or []) for c in bot.fake.calls_to("getUpdates")),
                            what="the poller to read the update")
    with pytest.raises(TimeoutError):  # it waits for Redis instead of asking again (and confirming)
        await bot.fake.wait_for(lambda: len(bot.fake.calls_to("getUpdates")) > 2, 0.5)
    assert update in bot.fake.pending_updates
    await own_redis.start()
    await bot.reply_is(PRIVATE_CHAT, "You said: while Redis was away", timeout=10)
    await bot.fake.wait_for(lambda: update not in bot.fake.pending_updates, what="the update confirmed, now")


async def test_replicas_polling_one_token_take_turns_without_conflicts(start_bot: StartBot,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    first = await start_bot()
    second = await start_bot()
    assert first.adapter.status() == "polling as @switchboard_bot"
    assert second.adapter.status() == "standing by as @switchboard_bot (another replica polls)"
    first.say("hello")
    await first.reply_is(PRIVATE_CHAT, "You said: hello")
    await first.adapter.stop_intake()  # shutting down frees the role at once
    first.say("still there?")
    await second.reply_is(PRIVATE_CHAT, "You said: hello", "You said: still there?", timeout=10)
    assert second.adapter.status() == "polling as @switchboard_bot"
    assert [c for c in first.fake.calls_to("getUpdates") if c.status == 409] == []

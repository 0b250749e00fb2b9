"""An event is acknowledged to Slack only once it is stored: in Socket Mode its envelope stays
unacknowledged while Redis is away (Slack re-sends it), over HTTP the answer is 503."""

from __future__ import annotations

import asyncio

import aiohttp

from core.signals import Signal
from tests.conftest import Signals
from tests.fakes.slack_events import GENERAL
from tests.redis_server import RedisServer
from tests.slack.conftest import StartBot


async def test_socket_mode_does_not_ack_an_event_it_could_not_store(start_bot: StartBot, own_redis: RedisServer,
                                                                    signals: Signals) -> None:
    bot = await start_bot(redis_url=own_redis.url)
    event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> while Redis was away")
    await own_redis.kill()
    first = await bot.fake.send_event(event)
    await signals.wait_for(Signal.NOT_STORED)  # the listener refused it
    await own_redis.start()
    await asyncio.wait_for(bot.gateway.until_storable(), 10)
    again = await bot.fake.redeliver(first)  # what Slack does with an envelope nobody acknowledged
    await bot.thread_shows(GENERAL, event["ts"], "You said: while Redis was away")
    await bot.fake.wait_for(lambda: bot.fake.acks.get(again), what="the re-delivery's ack")
    assert len(bot.fake.acks[first]) == 1  # the first delivery: never acknowledged; its retry: once


async def test_http_events_answer_503_while_redis_is_away(start_bot: StartBot, own_redis: RedisServer) -> None:
    bot = await start_bot(slack_app_token="", slack_signing_secret="test-signing-secret", redis_url=own_redis.url)
    event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> over HTTP")
    body, headers = bot.fake.signed(bot.fake.callback(event))
    await own_redis.kill()
    async with aiohttp.ClientSession() as session:
        async with session.post(bot.events_url, data=body, headers=headers) as response:
            assert response.status == 503
        await own_redis.start()
        await asyncio.wait_for(bot.gateway.until_storable(), 10)
        headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"] = "1", "http_error"
        async with session.post(bot.events_url, data=body, headers=headers) as response:
            assert response.status == 200
    await bot.thread_shows(GENERAL, event["ts"], "You said: over HTTP")

"""Discord never re-sends an event: while Redis is away, messages wait in memory, in order, and
are answered once it is back; past the backlog's bound the user is told in one line."""

from __future__ import annotations

from core.signals import Signal
from tests.conftest import Signals
from tests.discord.conftest import StartBot
from tests.redis_server import RedisServer


async def test_messages_wait_for_redis_and_are_answered_in_order(start_bot: StartBot, own_redis: RedisServer,
                                                                 signals: Signals) -> None:
    bot = await start_bot(redis_url=own_redis.url)
    fake = bot.fake
    await own_redis.kill()
    for text in ("first", "second", "third"):
        fake.user_message(text, mention=True)
    await signals.wait_for(Signal.NOT_STORED)  # the first could not be stored; the rest queued behind it
    assert fake.texts(fake.channel_id) == []
    await own_redis.start()
    await bot.channel_says(fake.channel_id, "You said: first", "You said: second", "You said: third", timeout=15)


async def test_past_the_bound_the_user_is_told(start_bot: StartBot, own_redis: RedisServer,
                                               signals: Signals) -> None:
    bot = await start_bot(redis_url=own_redis.url, discord_backlog=1)
    fake = bot.fake
    await own_redis.kill()
    fake.user_message("kept", mention=True)
    fake.user_message("one too many", mention=True)
    await signals.wait_for(Signal.BACKLOG_OVERFLOW)
    await fake.wait_for(lambda: fake.texts(fake.channel_id), what="the refusal")
    assert fake.texts(fake.channel_id) == [
        "I can't take messages right now (my storage is unreachable). Please send that again in a few minutes."]
    await own_redis.start()
    await bot.channel_says(fake.channel_id, fake.texts(fake.channel_id)[0], "You said: kept", timeout=15)

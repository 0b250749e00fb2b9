"""What an operator reads off a running gateway: /metrics after real traffic, and /readyz and
/healthz through a Redis outage (a redis-server of the test's own, never the shared one)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bots.telegram.adapter import TelegramAdapter
from bots.telegram.settings import TelegramSettings
from core.config import Settings
from switchboard.assembly import assembled
from tests.fakes.telegram_api import FakeTelegram
from tests.platform_bot import TEST_CORE
from tests.redis_server import RedisServer
from tests.telegram.conftest import ADAPTER_OPTIONS, PRIVATE_CHAT, StartBot

OUTAGE_NOTICED_WITHIN = 5.0  # seconds, both ways (the figure)


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body


async def until(url: str, status: int, within: float) -> Any:
    """Polls `url` until it answers `status` (an HTTP endpoint has no event to await); returns its body."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        got, body = await get(url)
        if got == status:
            return body
        assert loop.time() < deadline, f"{url} still answers {got} after {within} s: {body}"
        await asyncio.sleep(0.05)


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    raise AssertionError(f"no sample {name}{labels}")


async def test_metrics_count_real_traffic(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("one")
    await bot.reply_is(PRIVATE_CHAT, "You said: one")
    bot.say("two")
    await bot.reply_is(PRIVATE_CHAT, "You said: one", "You said: two")
    status, text = await get(f"http://127.0.0.1:{bot.web.port}/metrics")
    assert status == 200
    assert sample(text, "switchboard_messages_received_total", platform="telegram") == 2
    assert sample(text, "switchboard_replies_total", platform="telegram", outcome="ok") == 2
    assert sample(text, "switchboard_reply_first_visible_seconds_count", platform="telegram") == 2
    assert sample(text, "switchboard_reply_seconds_count", platform="telegram") == 2
    assert sample(text, "switchboard_model_first_token_seconds_count", target="primary/fake-large") == 2
    assert sample(text, "switchboard_tokens_total", direction="output") > 0
    assert sample(text, "switchboard_replies_streaming") == 0
    assert sample(text, "switchboard_ready", component="telegram") == 1
    assert sample(text, "process_resident_memory_bytes") > 0


async def test_readyz_follows_a_redis_outage_and_the_next_message_is_answered(
        fake: FakeTelegram, make_settings: Callable[..., Settings]) -> None:
    async with RedisServer() as redis_server:
        settings = make_settings(redis_url=redis_server.url, **TEST_CORE)
        adapter = TelegramAdapter(TelegramSettings(_env_file=None, bot_token=fake.token,  # type: ignore[call-arg]
                                                   api_base=fake.base_url), **ADAPTER_OPTIONS)
        async with assembled(settings, [adapter]) as running:
            base = f"http://127.0.0.1:{running.web.port}"
            assert await until(f"{base}/readyz", 200, OUTAGE_NOTICED_WITHIN) == {"ready": True}
            fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "before")
            await fake.wait_for(lambda: fake.final_texts(PRIVATE_CHAT) == ["You said: before"], 10, what="a reply")

            await redis_server.kill()
            body = await until(f"{base}/readyz", 503, OUTAGE_NOTICED_WITHIN)
            assert body["ready"] is False and "unreachable" in body["not_ready"]["redis"]
            assert "telegram" not in body["not_ready"]  # only what is not ready is named
            assert (await get(f"{base}/healthz"))[0] == 200  # alive all along

            await redis_server.start()
            await until(f"{base}/readyz", 200, OUTAGE_NOTICED_WITHIN)
            fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "after")
            await fake.wait_for(lambda: fake.final_texts(PRIVATE_CHAT)[-1:] == ["You said: after"], 10,
                                what="a reply after the outage")
            _, text = await get(f"{base}/metrics")
            assert sample(text, "switchboard_redis_errors_total") >= 1


async def test_readyz_names_telegram_while_polling_fails(start_bot: StartBot, fake: FakeTelegram) -> None:
    bot = await start_bot(adapter={"poll_timeout": 1})
    readyz = f"http://127.0.0.1:{bot.web.port}/readyz"
    await until(readyz, 200, OUTAGE_NOTICED_WITHIN)
    outage = fake.fail_next("getUpdates", 502, "Bad Gateway", times=10_000)  # aiogram retries it quietly
    body = await until(readyz, 503, OUTAGE_NOTICED_WITHIN)
    assert set(body["not_ready"]) == {"telegram"}
    fake.faults.remove(outage)
    await until(readyz, 200, OUTAGE_NOTICED_WITHIN)

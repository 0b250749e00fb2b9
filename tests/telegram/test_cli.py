"""`switchboard run` with only a token and the fake's URL serves Telegram, then stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis

from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import PRIVATE_CHAT


async def test_switchboard_run_serves_telegram_and_exits_cleanly_on_sigterm(
        fake: FakeTelegram, model_server: FakeModelServer, redis_url: str, prefix: str,
        redis: Redis, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("switchboard")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
           "MODEL_BASE_URL": model_server.base_url, "MODEL_NAME": "fake-large",
           "REDIS_URL": redis_url, "REDIS_PREFIX": prefix}
    proc = await asyncio.create_subprocess_exec(
        str(script), "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for(lambda: fake.polls_in_flight > 0, 20, what="the bot to poll")
        fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "from the command line")
        await fake.wait_for(
            lambda: fake.final_texts(PRIVATE_CHAT) == ["You said: from the command line"], 15,
            what="the reply")
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert b"polling as @switchboard_bot" in out


async def test_a_token_telegram_rejects_is_one_line_and_exit_2(
        fake: FakeTelegram, model_server: FakeModelServer, redis_url: str, prefix: str,
        redis: Redis, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("switchboard")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "TELEGRAM_BOT_TOKEN": "4242:not-the-right-token", "TELEGRAM_API_BASE": fake.base_url,
           "MODEL_BASE_URL": model_server.base_url, "MODEL_NAME": "fake-large",
           "REDIS_URL": redis_url, "REDIS_PREFIX": prefix}
    proc = await asyncio.create_subprocess_exec(
        str(script), "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert err.decode().strip().splitlines() == [
        "switchboard: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); copy it again from @BotFather."]

"""`switchboard run` with only a token and the fake's URL serves Telegram, then stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis

from core.logs.correlation import correlation_id
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
           "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "0"}
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


async def test_json_logs_parse_and_follow_one_message_from_intake_to_the_last_platform_call(
        fake: FakeTelegram, model_server: FakeModelServer, redis_url: str, prefix: str,
        redis: Redis, tmp_path: Path) -> None:
    secret_key = "sk-live-do-not-print-me-0123456789"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE": fake.base_url,
           "MODEL_BASE_URL": model_server.base_url, "MODEL_NAME": "fake-large", "MODEL_API_KEY": secret_key,
           "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "0",
           "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}
    model_server.fail_next(503, {"error": {"message": "try again"}})  # the model call logs a failure
    fake.fail_next("sendMessage", 429, retry_after=1)  # and so does the platform call
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("switchboard")), "run", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for(lambda: fake.polls_in_flight > 0, 20, what="the bot to poll")
        update = fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "trace me")
        await fake.wait_for(lambda: fake.final_texts(PRIVATE_CHAT) == ["You said: trace me"], 15, what="the reply")
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    lines = [json.loads(line) for line in err.decode().splitlines()]  # every line is one JSON object
    cid = correlation_id("telegram", f"{fake.me['id']}:{update['update_id']}")
    about = {(line["logger"], line["level"]) for line in lines if line.get("cid") == cid}
    assert ("core.gateway", "DEBUG") in about  # intake
    assert ("core.llm.failover", "WARNING") in about  # the model call that failed
    assert ("core.reply.retry_after", "INFO") in about  # the platform's 429, after the model answered
    assert ("core.pipeline.answer", "DEBUG") in about  # the reply's end
    assert secret_key not in err.decode() and fake.token not in err.decode()


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

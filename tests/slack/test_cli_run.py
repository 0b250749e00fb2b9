"""`switchboard run` with only Slack's settings pointed at the fake: serves it, then exits on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis

from tests.fakes.model_server import FakeModelServer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import GENERAL

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))


async def test_switchboard_run_serves_slack_and_stops_on_sigterm(
        fake: FakeSlack, model_server: FakeModelServer, redis_url: str, prefix: str, redis: Redis,
        tmp_path: Path) -> None:
    ours = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "DATA_DIR", "HTTP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(SLACK_BOT_TOKEN=fake.bot_token, SLACK_APP_TOKEN=fake.app_token, SLACK_API_URL=fake.api_url,
               MODEL_BASE_URL=model_server.base_url, MODEL_NAME="fake-large", REDIS_URL=redis_url,
               REDIS_PREFIX=prefix, HTTP_HOST="127.0.0.1", HTTP_PORT="0")
    proc = await asyncio.create_subprocess_exec(
        SWITCHBOARD, "run", cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    errors = asyncio.create_task(proc.stderr.read())  # drained all along, so logging never blocks the child
    try:
        lines: list[str] = []
        while not any(line.startswith("slack") for line in lines):
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            assert line, f"switchboard exited early: {lines}"
            lines.append(line)
        assert "socket mode as @switchboard" in next(line for line in lines if line.startswith("slack"))
        event = await fake.mention("hello from a real process")
        await fake.wait_for(lambda: fake.texts(GENERAL, event["ts"]) == ["You said: hello from a real process"]
                            and not fake.in_thread(GENERAL, event["ts"])[0].streaming, 10, what="the reply")
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 20)
        stderr = (await errors).decode()
        assert code == 0, stderr
        assert "Traceback" not in stderr
        await fake.wait_for(lambda: not fake.sockets, what="the WebSocket to close")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

"""The newcomer's afternoon, as real processes on the default embedded Redis: a terminal chat,
`switchboard run` serving Telegram beside it, a second chat of the same user. Everyone is
answered, history is shared, the first chat leaving breaks nobody, no traceback anywhere."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from core.embedded_redis import socket_path
from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_api import FakeTelegram

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))
PRIVATE_CHAT = 1001


class Chat:
    """`switchboard chat` with a pipe for stdin, kept open between lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path) -> Chat:
        return cls(await asyncio.create_subprocess_exec(
            SWITCHBOARD, "chat", env=env, cwd=cwd, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))

    async def ask(self, text: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text.encode() + b"\n")
        await self.proc.stdin.drain()
        return (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().rstrip("\n")

    async def leave(self) -> tuple[int, str]:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        _, err = await asyncio.wait_for(self.proc.communicate(), 30)
        return self.proc.returncode or 0, err.decode()


def _env(model_server: FakeModelServer, data_dir: Path, telegram: FakeTelegram | None = None) -> dict[str, str]:
    ours = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "DATA_DIR", "HTTP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(MODEL_BASE_URL=model_server.base_url, MODEL_NAME="fake-large", DATA_DIR=str(data_dir),
               HTTP_PORT="0")
    if telegram is not None:
        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE=telegram.base_url)
    return env


def _history(server: FakeModelServer, last_user_message: str) -> list[str]:
    request = next(r for r in server.chat_requests() if r.body["messages"][-1]["content"] == last_user_message)
    return [m["content"] for m in request.body["messages"] if m["role"] != "system"]


async def test_two_chats_and_a_gateway_share_one_embedded_redis(model_server: FakeModelServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with FakeTelegram() as telegram:
        first = await Chat.start(_env(model_server, data), tmp_path)
        gateway = None
        try:
            assert await first.ask("one from the first terminal") == "You said: one from the first terminal"

            gateway = await asyncio.create_subprocess_exec(
                SWITCHBOARD, "run", env=_env(model_server, data, telegram), cwd=tmp_path,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            await telegram.wait_for(lambda: telegram.polls_in_flight > 0, 30, what="the bot to poll")
            telegram.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "hello from telegram")
            await telegram.wait_for(lambda: telegram.final_texts(PRIVATE_CHAT) == ["You said: hello from telegram"],
                                    15, what="the Telegram reply")

            second = await Chat.start(_env(model_server, data), tmp_path)
            assert await second.ask("two from the second terminal") == "You said: two from the second terminal"
            assert _history(model_server, "two from the second terminal") == [
                "one from the first terminal", "You said: one from the first terminal", "two from the second terminal"]

            code, err = await first.leave()  # the process that started the server goes first
            assert code == 0 and "Traceback" not in err, err

            assert await second.ask("three, after the first left") == "You said: three, after the first left"
            telegram.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "still there?")
            await telegram.wait_for(lambda: telegram.final_texts(PRIVATE_CHAT)[-1:] == ["You said: still there?"],
                                    15, what="the second Telegram reply")
            code, err = await second.leave()
            assert code == 0 and "Traceback" not in err, err
            assert socket_path(data).exists()  # `run` still uses it

            gateway.send_signal(signal.SIGTERM)
            _, run_err = await asyncio.wait_for(gateway.communicate(), 30)
            assert gateway.returncode == 0, run_err.decode()
            assert "Traceback" not in run_err.decode() and "Error 2 connecting" not in run_err.decode()
            assert not socket_path(data).exists()  # the last one out stopped it
        finally:
            for proc in (first.proc, gateway):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()

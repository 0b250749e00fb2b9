"""`switchboard chat` on a real terminal (a pty, its screen drawn by the pyte terminal emulator):
Ctrl-C stops a reply and keeps what was written, a line typed while a reply streams waits its
turn without getting into the reply, Ctrl-C at an idle prompt loses nothing, /help lists /quit,
Ctrl-D leaves."""

from __future__ import annotations

import asyncio
import fcntl
import os
import struct
import sys
import termios
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pyte
import pytest

from tests.fakes.model_server import FakeModelServer

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))
ROWS, COLS = 30, 100


class Terminal:
    """A process on a pseudo-terminal, with the screen a VT100 terminal would show."""

    def __init__(self, proc: asyncio.subprocess.Process, master: int) -> None:
        self.proc = proc
        self._master = master
        self.screen = pyte.Screen(COLS, ROWS)
        self._stream = pyte.ByteStream(self.screen)
        self._changed = asyncio.Event()
        asyncio.get_running_loop().add_reader(master, self._read)

    @classmethod
    async def start(cls, args: list[str], env: dict[str, str], cwd: Path) -> Terminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        proc = await asyncio.create_subprocess_exec(SWITCHBOARD, *args, stdin=slave, stdout=slave, stderr=slave,
                                                    env=env, cwd=cwd, start_new_session=True)
        os.close(slave)
        return cls(proc, master)

    def _read(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except OSError:
            data = b""
        if not data:  # the process closed the terminal
            asyncio.get_running_loop().remove_reader(self._master)
        self._stream.feed(data)
        self._changed.set()

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display).strip()

    async def shows(self, predicate: Callable[[str], bool], what: str, timeout: float = 15) -> str:
        try:
            async with asyncio.timeout(timeout):
                while not predicate(self.text()):
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"the screen never showed {what}:\n{self.text()}") from None
        return self.text()

    def type(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        asyncio.get_running_loop().remove_reader(self._master)
        os.close(self._master)


@pytest.fixture
async def terminal(redis_url: str, prefix: str, model_server: FakeModelServer, redis: object,
                   tmp_path: Path) -> AsyncIterator[Terminal]:
    ours = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "DATA_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(MODEL_BASE_URL=model_server.base_url, MODEL_NAME="fake-large", REDIS_URL=redis_url,
               REDIS_PREFIX=prefix, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")  # pyte answers no cursor queries
    term = await Terminal.start(["chat"], env, tmp_path)
    try:
        yield term
    finally:
        await term.close()


def _last_line(screen: str) -> str:
    return (screen.splitlines() or [""])[-1]


async def test_the_terminal_chat_behaves_like_a_good_repl(terminal: Terminal, model_server: FakeModelServer) -> None:
    await terminal.shows(lambda s: _last_line(s) == "console>", "the prompt")

    model_server.hold, model_server.hold_after = asyncio.Event(), 3
    terminal.type("tell me everything about the sea\r")
    await terminal.shows(lambda s: "You said: tell" in s, "the reply streaming")
    model_server.hold_after = 10_000  # only this first reply is held

    terminal.type("and the sky\r")  # typed while the reply streams: it waits its turn
    screen = await terminal.shows(lambda s: "(queued) and the sky" in s, "the line queued")
    assert _last_line(screen) == "console>"
    assert [line for line in screen.splitlines() if "You said" in line] == ["You said: tell"]

    terminal.type("\x03")  # Ctrl-C: stop the reply, keep what was written
    screen = await terminal.shows(lambda s: "You said: and the sky" in s, "the queued line answered")
    await model_server.wait_disconnect()
    lines = screen.splitlines()
    stopped = lines.index("You said: tell")
    assert lines[stopped + 1:stopped + 5] == ["", "_(stopped)_", "console> and the sky", "You said: and the sky"]
    history = [m["content"] for m in model_server.chat_requests()[1].body["messages"][1:]]
    assert history == ["tell me everything about the sea", "You said: tell ", "and the sky"]

    terminal.type("half a thought\x03")  # Ctrl-C at an idle prompt clears the line, nothing more
    terminal.type("still here\r")
    await terminal.shows(lambda s: "You said: still here" in s, "the next line answered")
    assert terminal.proc.returncode is None

    terminal.type("/help\r")
    await terminal.shows(lambda s: "/quit — leave the chat" in s, "/help listing /quit")

    terminal.type("\x04")  # Ctrl-D leaves
    assert await asyncio.wait_for(terminal.proc.wait(), 15) == 0
    assert "Traceback" not in terminal.text() and "half a thought" not in terminal.text()

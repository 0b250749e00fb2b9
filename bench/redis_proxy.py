"""A TCP proxy in front of Redis that counts round trips (request bursts answered by replies).

redis-py sends one command or one pipeline per connection and waits for the answer, so a
round trip is a burst of client bytes that follows a reply (or opens the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


@dataclass
class Upstream:
    host: str = ""
    port: int = 0
    unix_path: str = ""

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.unix_path:
            return await asyncio.open_unix_connection(self.unix_path)
        return await asyncio.open_connection(self.host, self.port)


class RoundTripProxy:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.round_trips = 0
        self.trace: list[bytes] | None = None  # set to a list to keep each request's first bytes
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> RoundTripProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await self.upstream.open()
        state = {"waiting": False}

        async def client_to_server() -> None:
            while data := await reader.read(65536):
                if not state["waiting"]:
                    self.round_trips += 1
                    if self.trace is not None:
                        self.trace.append(data[:160])
                    state["waiting"] = True
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def server_to_client() -> None:
            while data := await up_reader.read(65536):
                state["waiting"] = False
                writer.write(data)
                await writer.drain()
            writer.close()

        tasks = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        self._tasks.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._tasks.difference_update(tasks)

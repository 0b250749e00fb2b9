"""A tiny load balancer for webhooks, as a reverse proxy in front of replicas behaves: each
request goes to the next replica in turn; one that fails (connection refused, 5xx) is tried
on the other replicas before the platform gets an error (then it re-sends later)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from tests.redis_server import free_port

PASSED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class Balancer:
    def __init__(self, path: str) -> None:
        self.path = path
        self.port = free_port()
        self.backends: list[int] = []  # replica ports
        self.retried = 0  # requests a replica failed and another one was asked
        self.taken_by: dict[int, int] = {}  # chat id -> port of the replica that took in its first update
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def route_to(self, ports: Sequence[int]) -> None:
        self.backends = list(ports)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post(self.path, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {h: request.headers[h] for h in PASSED_HEADERS if h in request.headers}
        first = next(self._turn)
        for attempt in range(len(self.backends)):
            port = self.backends[(first + attempt) % len(self.backends)]
            try:
                async with self._session.post(f"http://127.0.0.1:{port}{self.path}", data=body,
                                              headers=headers) as resp:
                    text = await resp.read()
                    if resp.status < 500:
                        if resp.status < 300:
                            self._took(body, port)
                        return web.Response(status=resp.status, body=text, content_type=resp.content_type)
            except (aiohttp.ClientError, OSError):
                pass
            self.retried += 1
        return web.Response(status=502, text="no replica could take it")

    def _took(self, body: bytes, port: int) -> None:
        chat = json.loads(body).get("message", {}).get("chat", {}).get("id")
        if isinstance(chat, int):
            self.taken_by.setdefault(chat, port)

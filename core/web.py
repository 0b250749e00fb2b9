"""The gateway's one HTTP server: adapters add routes (webhooks), it adds /healthz."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core.loop_monitor import LoopLagMonitor

log = logging.getLogger(__name__)


def _seconds(raw: str) -> float | None:
    """A query's seconds (None when absent); ValueError unless a positive finite number."""
    if not raw:
        return None
    value = float(raw)
    if not 0 < value < 10**9:  # also refuses nan and inf
        raise ValueError(raw)
    return value


class WebServer:
    """Started only when an adapter registered a route; binds HTTP_HOST:HTTP_PORT."""

    def __init__(self, host: str, port: int, *, lag: LoopLagMonitor | None = None) -> None:
        self.lag = lag
        self.host = host
        self.port = port
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self._runner: web.AppRunner | None = None
        self.routes = 0

    def add_post(self, path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        self.app.router.add_post(path, handler)
        self.routes += 1

    async def _health(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {"ok": True}
        try:
            window = _seconds(request.query.get("window", ""))  # e.g. a benchmark's run
        except ValueError:
            return web.json_response({"ok": False, "error": "window must be a number of seconds"}, status=400)
        if self.lag is not None:
            body["loop_lag"] = self.lag.snapshot(window)
        return web.json_response(body)

    async def start(self) -> None:
        if self.routes == 0 or self._runner is not None:
            return
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server: Any = site._server
        if self.port == 0 and server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]  # tests bind port 0
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

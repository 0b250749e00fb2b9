"""The gateway's one HTTP server: adapters add routes (webhooks); it serves /healthz (liveness),
/readyz (readiness) and /metrics (Prometheus)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client.aiohttp import make_aiohttp_handler

from core.errors import StartupError
from core.loop_monitor import LoopLagMonitor
from core.metrics import Metrics
from core.readiness import Readiness

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
    """Binds HTTP_HOST:HTTP_PORT; `switchboard run` always starts it, the terminal chat never."""

    def __init__(self, host: str, port: int, *, lag: LoopLagMonitor | None = None,
                 metrics: Metrics | None = None) -> None:
        self.lag = lag
        self.host = host
        self.port = port
        self.readiness: Readiness | None = None  # set by the assembly once adapters are known
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/readyz", self._ready)
        if metrics is not None:
            self.app.router.add_get("/metrics", make_aiohttp_handler(metrics.registry))
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        self.app.router.add_post(path, handler)

    async def _health(self, request: web.Request) -> web.Response:
        """Liveness: the event loop answers. Never asks Redis or a platform."""
        body: dict[str, Any] = {"ok": True}
        try:
            window = _seconds(request.query.get("window", ""))  # e.g. a benchmark's run
        except ValueError:
            return web.json_response({"ok": False, "error": "window must be a number of seconds"}, status=400)
        if self.lag is not None:
            body["loop_lag"] = self.lag.snapshot(window)
        return web.json_response(body)

    async def _ready(self, request: web.Request) -> web.Response:
        """200 while Redis answers and every platform is connected; else 503 naming what is not."""
        problems = {"gateway": "starting"} if self.readiness is None else self.readiness.not_ready()
        if problems:
            return web.json_response({"ready": False, "not_ready": problems}, status=503)
        return web.json_response({"ready": True})

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self.stop()
            raise StartupError(f"cannot listen on HTTP_HOST:HTTP_PORT {self.host}:{self.port} ({exc.strerror or exc}); "
                               "set HTTP_PORT to a free port") from None
        server: Any = site._server
        if self.port == 0 and server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]  # tests bind port 0
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

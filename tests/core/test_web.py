"""The gateway's HTTP server on its own: liveness never waits for readiness; a taken port is one line."""

from __future__ import annotations

import aiohttp
import pytest

from core.errors import StartupError
from core.metrics import Metrics
from core.web import WebServer


async def test_alive_before_ready_and_metrics_served() -> None:
    web = WebServer("127.0.0.1", 0, metrics=Metrics())
    await web.start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{web.port}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["ok"] is True
            async with session.get(f"http://127.0.0.1:{web.port}/readyz") as resp:
                assert resp.status == 503
                assert await resp.json() == {"ready": False, "not_ready": {"gateway": "starting"}}
            async with session.get(f"http://127.0.0.1:{web.port}/metrics") as resp:
                assert resp.status == 200 and "switchboard_replies_streaming 0.0" in await resp.text()
    finally:
        await web.stop()


async def test_a_taken_port_stops_start_up_with_one_line() -> None:
    first = WebServer("127.0.0.1", 0)
    await first.start()
    try:
        taken = rf"cannot listen on HTTP_HOST:HTTP_PORT 127.0.0.1:{first.port} .*set HTTP_PORT"
        with pytest.raises(StartupError, match=taken):
            await WebServer("127.0.0.1", first.port).start()
    finally:
        await first.stop()

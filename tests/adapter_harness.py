"""Run one platform adapter on a real core (Redis, model client, gateway, web server) for a test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from bots.base import Adapter
from core.config import Settings
from core.gateway import Gateway
from core.llm.base import ModelClient
from core.llm.factory import build_model_client
from core.services import Core
from core.web import WebServer


@dataclass
class Wired:
    """An adapter started as `switchboard run` starts it; `stop()` undoes it in reverse."""

    adapter: Adapter
    gateway: Gateway
    web: WebServer
    model: ModelClient

    async def stop(self) -> None:
        await self.adapter.stop()
        await self.web.stop()
        await self.gateway.close()
        await self.model.aclose()


async def wire(settings: Settings, redis: Redis, make_adapter: Callable[[Settings], Adapter]) -> Wired:
    model = build_model_client(settings, redis, settings.redis_prefix)
    core = Core(settings=settings, redis=redis, model=model)
    gateway = Gateway(core)
    adapter = make_adapter(settings)
    core.bind(adapter)
    web = WebServer(settings.http_host, settings.http_port)
    await adapter.start(gateway, web)
    await web.start()
    gateway.start()
    return Wired(adapter, gateway, web, model)

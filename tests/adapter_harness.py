"""Run one platform adapter on a real core for a test, assembled exactly as `switchboard run` does."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.asyncio import Redis

from bots.base import Adapter
from bots.platform_settings import PlatformSettings
from core.config import Settings
from core.gateway import Gateway
from core.web import WebServer
from switchboard.assembly import assembled

P = TypeVar("P", bound=PlatformSettings)


@dataclass
class Wired:
    """An adapter started as `switchboard run` starts it; `stop()` shuts it down the same way."""

    adapter: Adapter
    gateway: Gateway
    web: WebServer
    _stack: AsyncExitStack

    async def stop(self) -> None:
        await self._stack.aclose()


async def wire(settings: Settings, redis: Redis | None, adapter: Adapter) -> Wired:
    stack = AsyncExitStack()
    running = await stack.enter_async_context(assembled(settings, [adapter], redis=redis))
    return Wired(adapter, running.gateway, running.web, stack)


def split_settings(kind: type[P], overrides: dict[str, Any]) -> tuple[P, dict[str, Any]]:
    """Test overrides in env-var style (`telegram_drafts=False`): the platform's own settings
    object, and the rest for the core's Settings."""
    prefix = str(kind.model_config.get("env_prefix", "")).lower()
    mine = {k.removeprefix(prefix): v for k, v in overrides.items() if k.startswith(prefix)}
    rest = {k: v for k, v in overrides.items() if not k.startswith(prefix)}
    return kind(_env_file=None, **mine), rest  # type: ignore[call-arg]

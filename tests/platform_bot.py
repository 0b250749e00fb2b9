"""What the platform conftests share: a fake platform and bots started on a real core, per test.

``fake, start_bot = platform_fixtures(FakeX, Running, XAdapter, settings=..., options=...)``
in a platform's conftest makes its two fixtures: ``fake``, the fake platform server, and
``start_bot``, which starts adapters against it with the local model server and the real
Redis of tests/conftest.py (or, given ``redis_url``, that one with a pool of its own, as
`switchboard run` makes it), through the assembly in tests/adapter_harness.py.
``RunningBot`` holds what a test drives; each platform's ``Running`` adds its own helpers
(``say``, ``reply_is``, ``channel_says``...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pytest
from redis.asyncio import Redis

from bots.base import Adapter
from bots.platform_settings import PlatformSettings
from core.config import Settings
from core.gateway import Gateway
from core.web import WebServer
from tests.adapter_harness import Wired, split_settings, wire
from tests.fakes.base import FakeServer, Recorder
from tests.fakes.model_server import FakeModelServer

F = TypeVar("F", bound=Recorder[Any, Any])
S = TypeVar("S", bound=FakeServer[Any, Any])
A = TypeVar("A", bound=Adapter)
R = TypeVar("R", bound="RunningBot[Any, Any]")
R_co = TypeVar("R_co", covariant=True)

# The web server on a free local port; on shutdown, replies in flight get 2 s (not 10).
TEST_CORE = {"http_host": "127.0.0.1", "http_port": 0, "drain_seconds": 2.0}


@dataclass
class RunningBot(Generic[F, A]):
    """One adapter started as ``switchboard run`` starts it, talking to a fake platform."""

    fake: F
    model: FakeModelServer
    adapter: A
    gateway: Gateway
    web: WebServer

    async def ready(self) -> None:
        """Returns once the bot can be talked to; most adapters are as soon as they start."""

    async def shows(self, current: Callable[[], object], texts: Sequence[str], timeout: float, *, where: str) -> None:
        """Waits until ``current()`` reads exactly ``texts``, then until the core is idle."""
        await self.fake.wait_for(lambda: current() == list(texts), timeout,
                                 what=f"{where} to show {[t[:40] for t in texts]}")
        await self.gateway.join()


class StartBot(Protocol[R_co]):
    """``await start_bot(adapter={...}, **settings)``: one more bot, with these adapter options and settings."""

    def __call__(self, *, adapter: dict[str, Any] | None = None, **settings: Any) -> Awaitable[R_co]: ...


def platform_fixtures(server: Callable[[], S], running: Callable[[S, FakeModelServer, Any, Gateway, WebServer], R],
                      kind: type[Adapter], own_settings: type[PlatformSettings], *,
                      settings: Callable[[S], dict[str, Any]], options: dict[str, Any]) -> tuple[Any, Any]:
    """The ``fake`` fixture (``server()``, serving for the test) and the ``start_bot`` fixture: each
    call starts ``kind(own_settings(...), **options)`` on a real core, with ``settings(fake)`` and the
    call's overrides (env-var style names: ``telegram_drafts=False``, ``session_scope="chat"``);
    every bot is stopped, newest first, after the test."""

    @pytest.fixture
    async def fake() -> AsyncIterator[S]:
        async with server() as started:
            yield started

    @pytest.fixture
    async def start_bot(fake: S, model_server: FakeModelServer, redis: Redis,
                        make_settings: Callable[..., Settings]) -> AsyncIterator[StartBot[R]]:
        started: list[Wired] = []

        async def start(*, adapter: dict[str, Any] | None = None, **overrides: Any) -> R:
            chosen = options | (adapter or {})
            own, rest = split_settings(own_settings, TEST_CORE | settings(fake) | overrides)
            client = None if "redis_url" in overrides else redis  # a Redis of the test's own: its own pool
            wired = await wire(make_settings(**rest), client, kind(own, **chosen))  # type: ignore[call-arg]
            started.append(wired)
            assert isinstance(wired.adapter, kind)
            bot = running(fake, model_server, wired.adapter, wired.gateway, wired.web)
            await bot.ready()
            return bot

        yield start
        for wired in reversed(started):
            await wired.stop()

    return fake, start_bot

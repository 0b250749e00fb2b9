"""The one Redis client factory: REDIS_URL, or the embedded server of DATA_DIR (shared by every
process that uses that directory: core/embedded_redis.py). A REDIS_URL naming a node of a Redis
Cluster is recognised (INFO cluster) and gets a cluster client; the keys know (core/store/keys.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from core.embedded_redis import DB_FILE, EmbeddedRedis

EMBEDDED_DB = DB_FILE  # the embedded server's data file, under DATA_DIR


def pool_options(max_connections: int) -> dict[str, Any]:
    """How every pooled connection behaves when Redis goes away and comes back.

    A call that meets a dead connection (Redis restarted, a proxy dropped it) reconnects and
    is sent again, a few times with backoff (~1 s in all): our scripts are written so that a
    call repeated after a lost reply does no harm. A connection idle for a while is pinged
    before use, so a stale one is dropped rather than failing a message. Past the retries,
    the error reaches core/store/availability.py, which logs the outage once.
    """
    return {
        "max_connections": max_connections,
        "timeout": 30,  # a blocking pool: under a burst, callers wait for a connection instead of failing
        "driver_info": None,  # no CLIENT SETINFO: 2 round trips per connection
        "retry": Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), 4),
        "health_check_interval": 30,
        "socket_connect_timeout": 2.0,
        "socket_timeout": 10.0,  # no call of ours takes this long; a hung server must not hang us
    }


@dataclass
class RedisHandle:
    """An async client plus, when embedded, this process's membership of the shared server."""

    client: Redis
    embedded: EmbeddedRedis | None = None
    where: str = ""
    owned: bool = True  # False: the caller's client, closed by the caller
    url: str = ""  # how to open another connection to the same server (the readiness probe); never logged
    clustered: bool = False

    async def close(self) -> None:
        if self.owned:
            await self.client.aclose()
        if self.embedded is not None:
            # The server stops with its last member; the others keep using it.
            await asyncio.to_thread(self.embedded.leave)
            self.embedded = None


def _client(url: str, max_connections: int) -> Redis:
    return Redis(connection_pool=BlockingConnectionPool.from_url(url, **pool_options(max_connections)))


def _cluster_client(url: str, max_connections: int) -> Redis:
    """A cluster client with the same retry and timeout behaviour (its pools are per node).

    Typed as Redis: the cluster client offers every call we make (single-slot scripts,
    pipelines, transactions within a slot), and the code is written once for both."""
    options = pool_options(max_connections)
    del options["timeout"]  # per-node pools do not block: room for a burst instead (Redis allows 10,000 clients)
    options["max_connections"] = max_connections * 4
    return cast(Redis, RedisCluster.from_url(url, **options))


async def _is_cluster(client: Redis) -> bool:
    info = await client.info("cluster")
    return bool(int(info.get("cluster_enabled", 0) or 0))


async def connect(redis_url: str, data_dir: Path, *, max_connections: int = 200) -> RedisHandle:
    """Connect and ping; raises ConnectionError with a readable message on failure."""
    if redis_url:
        client = _client(redis_url, max_connections)
        where = redis_url.split("@")[-1]  # never log a password from the URL
        try:
            await client.ping()
            if await _is_cluster(client):
                await client.aclose()
                client = _cluster_client(redis_url, max_connections)
                await client.ping()
                return RedisHandle(client, None, where=f"{where} (cluster)", clustered=True)
        except Exception as exc:
            await client.aclose()
            raise ConnectionError(f"cannot reach Redis at {where}: {exc}") from None
        return RedisHandle(client, None, where=where, url=redis_url)
    embedded = await asyncio.to_thread(EmbeddedRedis.join, data_dir)
    client = _client(embedded.url, max_connections)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        await asyncio.to_thread(embedded.leave)
        raise ConnectionError(f"cannot reach the embedded Redis at {embedded.socket}: {exc}") from None
    return RedisHandle(client, embedded, where=f"embedded ({embedded.data_dir / DB_FILE})", url=embedded.url)

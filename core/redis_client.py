"""The one Redis client factory: REDIS_URL, or the embedded server of DATA_DIR (shared by every
process that uses that directory: core/embedded_redis.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import BlockingConnectionPool, Redis

from core.embedded_redis import DB_FILE, EmbeddedRedis

EMBEDDED_DB = DB_FILE  # the embedded server's data file, under DATA_DIR


@dataclass
class RedisHandle:
    """An async client plus, when embedded, this process's membership of the shared server."""

    client: Redis
    embedded: EmbeddedRedis | None = None
    where: str = ""
    owned: bool = True  # False: the caller's client, closed by the caller
    url: str = ""  # how to open another connection to the same server (the readiness probe); never logged

    async def close(self) -> None:
        if self.owned:
            await self.client.aclose()
        if self.embedded is not None:
            # The server stops with its last member; the others keep using it.
            await asyncio.to_thread(self.embedded.leave)
            self.embedded = None


def _client(url: str, max_connections: int) -> Redis:
    # A blocking pool: under a burst, callers wait for a connection instead of failing.
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=30,
                                           driver_info=None)  # no CLIENT SETINFO: 2 round trips per connection
    return Redis(connection_pool=pool)


async def connect(redis_url: str, data_dir: Path, *, max_connections: int = 200) -> RedisHandle:
    """Connect and ping; raises ConnectionError with a readable message on failure."""
    if redis_url:
        client = _client(redis_url, max_connections)
        where = redis_url.split("@")[-1]  # never log a password from the URL
        try:
            await client.ping()
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

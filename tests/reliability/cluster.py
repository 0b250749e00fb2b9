"""The rig the faults run on: a redis-server of our own (killed and restarted at will), a fake
model, the fake platform, and `switchboard run` gateway processes pointed at them."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from bench.procs import Process, switchboard_argv
from core.redis_client import pool_options
from tests.fakes.model_server import FakeModelServer
from tests.redis_server import RedisServer, free_port

KEEP_LOGS = "SWITCHBOARD_FAULTS_LOGS"  # a directory the gateways' logs are copied to
CLEARED_ENV = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "HTTP_", "LEASE_", "DRAIN_", "LOG_")


def answer_for(text: str, words: int) -> str:
    """What the fake model answers to `text`: the text, then numbered words."""
    return " ".join([text, *(f"w{i}" for i in range(words))])


@dataclass
class Cluster:
    redis: RedisServer
    model: FakeModelServer
    client: Redis  # the test's own look into Redis (roles, history)
    prefix: str
    workdir: Path
    words: int  # how long every answer is (a scenario may change it, and model.token_interval)
    gateways: list[Process] = field(default_factory=list)

    def env(self, port: int, platform: dict[str, str]) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_ENV)}
        return keep | {
            "MODEL_BASE_URL": self.model.base_url, "MODEL_NAME": "fake-large", "MODEL_API_KEY": "faults",
            "REDIS_URL": self.redis.url, "REDIS_PREFIX": self.prefix, "USER_MESSAGES_PER_MINUTE": "0",
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port), "LOG_LEVEL": "INFO",
        } | platform

    async def start_gateways(self, count: int, platform: dict[str, str], *, ready_text: tuple[str, ...] = ()
                             ) -> list[Process]:
        """`count` gateway processes; `platform` may name {port} (each one's own HTTP port)."""
        started = []
        for _ in range(count):
            port = free_port()
            env = self.env(port, {k: v.format(port=port) for k, v in platform.items()})
            started.append(Process(switchboard_argv(), env, port, self.workdir / f"gateway-{port}.log",
                                   ready_text=ready_text))
        self.gateways.extend(started)
        await asyncio.gather(*(process.start() for process in started))
        return started

    async def holder(self, role: str) -> Process | None:
        """The gateway holding a role (its lease value is host:pid:random)."""
        raw = await self.client.get(f"{self.prefix}role:{role}")
        if raw is None:
            return None
        pid = int(raw.decode().split(":")[1])
        return next((g for g in self.gateways if g.running and g.pid == pid), None)

    async def user_turns(self, conversation: str) -> list[str]:
        """The user turns stored for a conversation, oldest first."""
        import json

        raw = await self.client.lrange(f"{self.prefix}hist:{conversation}", 0, -1)
        turns: list[dict[str, Any]] = [json.loads(item) for item in raw]
        return [turn["t"] for turn in turns if turn["r"] == "user"]

    async def settled(self, timeout: float = 30) -> None:
        """Until no conversation has a queued message left (every answer acknowledged and stored)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.client.zcard(f"{self.prefix}queues:due"):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"messages still queued after {timeout:.0f} s")
            await asyncio.sleep(0.05)  # other processes' state: nothing to await but its change

    async def checkpointed(self, conversations: set[str]) -> set[str]:
        """Those of `conversations` whose streaming reply has a checkpoint in Redis now."""
        found = set()
        for conversation in conversations:
            if await self.client.exists(f"{self.prefix}reply:{conversation}"):
                found.add(conversation)
        return found

    def tracebacks(self) -> int:
        return sum(g.log_text().count("Traceback") for g in self.gateways)


@asynccontextmanager
async def cluster(*, words: int = 12, token_interval: float = 0.1) -> AsyncIterator[Cluster]:
    """Redis, the model (answers `words` words, one every `token_interval` s) and a work dir."""
    with tempfile.TemporaryDirectory(prefix="sb-faults-") as tmp:
        workdir = Path(tmp)
        (workdir / "redis").mkdir()
        async with RedisServer(workdir / "redis") as redis, \
                FakeModelServer(models=[{"id": "fake-large", "context_length": 128000}]) as model:
            model.token_interval = token_interval
            client = Redis(connection_pool=BlockingConnectionPool.from_url(redis.url, **pool_options(8)))
            rig = Cluster(redis, model, client, f"sbfaults:{uuid.uuid4().hex[:8]}:", workdir, words)
            model.reply = lambda body: answer_for(_last_user_text(body), rig.words)
            try:
                yield rig
            finally:
                for gateway in rig.gateways:
                    await gateway.kill()
                await client.aclose()
                if KEEP_LOGS in os.environ:  # `make faults` keeps the gateways' logs for a look afterwards
                    _keep_logs(workdir, Path(os.environ[KEEP_LOGS]), rig.prefix.split(":")[1])


def _keep_logs(workdir: Path, kept: Path, run: str) -> None:
    kept.mkdir(parents=True, exist_ok=True)
    for log in workdir.glob("gateway-*.log"):
        shutil.copy(log, kept / f"{run}-{log.name}")


def _last_user_text(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]["content"]) if users else ""

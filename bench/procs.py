"""Start and watch the processes under test: `switchboard run` or the baseline bot."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    """One process under test, reachable at http://127.0.0.1:{port}.

    `ready_text`: started once its log shows this (a gateway with no HTTP route serves no
    /healthz), instead of once /healthz answers.
    """

    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    proc: asyncio.subprocess.Process | None = field(default=None, repr=False)
    ready_text: tuple[str, ...] = ()

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            cwd=str(self.log_path.parent),
        )
        if self.ready_text:
            await self._wait_for_log(len(self.log_path.read_bytes()) if self.log_path.exists() else 0)
        else:
            await self._wait_healthy()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def _wait_for_log(self, since: int, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            assert self.proc is not None
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.argv[0]} exited: see {self.log_path}")
            if any(text in self.log_text()[since:] for text in self.ready_text):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.argv[0]} never printed {self.ready_text}: see {self.log_path}")
            await asyncio.sleep(0.1)  # polling a process we do not control

    async def _wait_healthy(self, timeout: float = 90.0) -> None:  # imports are slow on a busy machine
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.argv[0]} exited: see {self.log_path}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{self.argv[0]} never became healthy: see {self.log_path}")
                await asyncio.sleep(0.1)  # polling a process we do not control

    async def health(self, window: float | None = None) -> dict[str, object]:
        query = f"?window={window:.1f}" if window else ""
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{self.port}/healthz{query}") as resp:
            data: dict[str, object] = await resp.json()
            return data

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_bytes(self) -> tuple[int, int]:
        """(current RSS, peak RSS) in bytes."""
        now = peak = 0
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
        return now, peak

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 15 s; returns the exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        return self.proc.returncode

    async def kill(self) -> None:
        """kill -9: no shutdown at all, as a crash or an OOM kill."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def cpu_seconds(pid: int | None) -> float:
    """CPU time of every thread of a process, in nanoseconds from the scheduler (not 10 ms ticks)."""
    if pid is None:
        return 0.0
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, IndexError, ValueError):
                continue  # a thread that just ended
    except OSError:
        return 0.0
    return total / 1e9


def switchboard_argv() -> list[str]:
    return [str(Path(sys.executable).with_name("switchboard")), "run"]


def baseline_argv(client: str = "aiohttp") -> list[str]:
    """A bare aiogram bot streaming with `client` ("aiohttp": the floor, or "httpx")."""
    return [sys.executable, str(Path(__file__).with_name("baseline_bot.py")), client]

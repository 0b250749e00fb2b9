"""Sample the gateway with py-spy while it works and sum the samples by where they land."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"\((?P<path>[^():]+)(?::\d+)?\)\s*$")
BUCKETS = [
    ("core/", "switchboard core"), ("bots/", "switchboard adapters"), ("httpcore", "httpcore"),
    ("httpx", "httpx"), ("aiogram", "aiogram"), ("aiohttp", "aiohttp"), ("redis", "redis-py"),
    ("pydantic", "pydantic"), ("asyncio", "asyncio event loop"), ("json", "json"), ("ssl", "ssl"),
]


NOT_OURS = "(no Switchboard frame: event loop, library callbacks)"


def _bucket(frame: str) -> str:
    match = _FRAME.search(frame)
    path = match.group("path") if match else frame
    for needle, name in BUCKETS:
        if needle in path:
            return name
    return "other"


class Profiler:
    def __init__(self, pid: int, out: Path) -> None:
        self.pid = pid
        self.out = out
        self.proc: asyncio.subprocess.Process | None = None
        self.error = ""

    async def __aenter__(self) -> Profiler:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            self.error = "py-spy not installed"
            return self
        self.proc = await asyncio.create_subprocess_exec(
            spy, "record", "--pid", str(self.pid), "--format", "raw", "--rate", "100",
            "--output", str(self.out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        _, err = await self.proc.communicate()
        if not self.out.exists():
            self.error = err.decode(errors="replace").strip().splitlines()[-1:] and err.decode().strip()[-200:]

    def summary(self, top: int = 12) -> tuple[dict[str, float], list[tuple[str, float]]]:
        """(share of samples per package by leaf frame, the hottest leaf functions)."""
        shares, hottest, _ = self.details(top)
        return shares, hottest

    def details(self, top: int = 12) -> tuple[dict[str, float], list[tuple[str, float]], list[tuple[str, float]]]:
        """summary() plus the share of samples under each Switchboard function (the innermost
        core/ or bots/ frame on the stack: what our code called, libraries included)."""
        if not self.out.exists():
            return {}, [], []
        buckets: Counter[str] = Counter()
        leaves: Counter[str] = Counter()
        callers: Counter[str] = Counter()
        total = 0
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            leaf = frames[-1]
            total += n
            buckets[_bucket(leaf)] += n
            leaves[leaf.strip()[:110]] += n
            ours = next((f for f in reversed(frames) if "(core/" in f or "(bots/" in f), None)
            callers[ours.strip().split(" (")[0] if ours else NOT_OURS] += n
        if not total:
            return {}, [], []
        shares = {k: round(100 * v / total, 1) for k, v in buckets.most_common()}
        hottest = [(k, round(100 * v / total, 1)) for k, v in leaves.most_common(top)]
        under = [(k, round(100 * v / total, 1)) for k, v in callers.most_common(top + 4)]
        return shares, hottest, under

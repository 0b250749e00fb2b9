"""Running a hypothesis property against a live bot: the property runs in a worker thread and
hands each example to the test's event loop, which keeps serving the bot meanwhile.

Also what a fuzz run checks besides each answer: the log (warnings are counted; any error or
traceback is kept and fails the run) and, in a full run, memory.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import settings

T = TypeVar("T")

# Allocations that are the fuzzer's, not the server's: hypothesis, pytest, logging, this file.
_NOT_OURS = ("*hypothesis*", "*_pytest*", "*pluggy*", "*/logging/*", "*tracemalloc*", "*tests/fuzz/*",
             "*linecache*", "*asyncio/threads.py", "*concurrent/futures*")


def full_run() -> bool:
    """True under `make fuzz` (memory is measured there: a few dozen examples say nothing)."""
    return settings.default.max_examples >= 1000


class LogWatch(logging.Handler):
    """Counts warnings; keeps every error and every record with a traceback (a run wants none)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings = 0
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            if len(self.bad) < 20:
                self.bad.append(f"{record.name}: {record.getMessage()[:300]}")
            return
        self.warnings += 1


@contextmanager
def watching_logs() -> Iterator[LogWatch]:
    root = logging.getLogger()
    watch = LogWatch()
    level = root.level
    root.addHandler(watch)
    root.setLevel(min(level, logging.WARNING))
    try:
        yield watch
    finally:
        root.removeHandler(watch)
        root.setLevel(level)


class Memory:
    """Python allocations still held by the server side, sampled with tracemalloc (full runs only)."""

    def __init__(self) -> None:
        self.enabled = full_run()
        self.marks: list[int] = []
        if self.enabled:
            tracemalloc.start()

    def mark(self) -> None:
        if not self.enabled:
            return
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, pattern) for pattern in _NOT_OURS])
        self.marks.append(sum(stat.size for stat in snapshot.statistics("filename")))

    def growth(self) -> int:
        """Bytes gained between the first mark (after a warm-up) and the last."""
        return self.marks[-1] - self.marks[0] if len(self.marks) >= 2 else 0

    def stop(self) -> None:
        if self.enabled:
            tracemalloc.stop()


@dataclass
class Run:
    """What one fuzzed route answered."""

    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0  # seconds, the slowest answer
    growth: int | None = None  # bytes, after the warm-up (None: not measured)
    warnings: int = 0

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    def line(self) -> str:
        memory = "" if self.growth is None else f"memory {self.growth / 1e6:+.2f} MB after warm-up, "
        return (f"{self.name}: {self.count} bodies, answered {dict(sorted(self.statuses.items()))}, "
                f"slowest {self.slowest * 1000:.0f} ms, {memory}{self.warnings} warning lines")


class Bridge:
    """Runs coroutines on the test's loop from the hypothesis thread."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)


async def in_thread(prop: Callable[[], None]) -> None:
    """Run a @given property (a plain function) while this loop keeps serving."""
    await asyncio.to_thread(prop)


async def fuzz_measured(prop: Callable[[], None], run: Run, memory: Memory) -> None:
    """Runs the property while this loop serves, then: nothing logged as an error, memory bounded after the warm-up."""
    with watching_logs() as logs:
        await in_thread(prop)
        memory.mark()
        memory.stop()
    run.growth, run.warnings = memory.growth(), logs.warnings
    print(run.line())
    assert logs.bad == []
    assert run.growth < 2_000_000


def timed(run: Run, bridge: Bridge, send: Callable[[], Awaitable[int]]) -> int:
    started = time.perf_counter()
    status = bridge.run(_awaited(send))
    run.slowest = max(run.slowest, time.perf_counter() - started)
    run.statuses[status] += 1
    return status


async def _awaited(send: Callable[[], Awaitable[int]]) -> int:
    return await send()

"""Event-loop lag: how late a timer that should fire every 100 ms actually fires."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque


class LoopLagMonitor:
    """Keeps the last few thousand lag samples; `/healthz` reports their percentiles."""

    def __init__(self, period: float = 0.1, keep: int = 3000) -> None:
        self._period = period
        self._samples: deque[tuple[float, float]] = deque(maxlen=keep)  # (when, lag)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="loop lag monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self._period)  # the lateness of this wake-up is the measurement
            lag = max(0.0, time.perf_counter() - before - self._period)
            self._samples.append((before, lag))

    def snapshot(self, window: float | None = None) -> dict[str, float]:
        """Lag in milliseconds: median, p99 and worst, over the last `window` seconds (or all kept)."""
        since = time.perf_counter() - window if window else 0.0
        ordered = sorted(lag for when, lag in self._samples if when >= since)
        if not ordered:
            return {"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}

        def pick(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

        return {"p50_ms": round(pick(0.5), 2), "p99_ms": round(pick(0.99), 2), "max_ms": round(ordered[-1] * 1000, 2)}

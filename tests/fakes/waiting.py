"""Await a fake server's state instead of sleeping: re-check a predicate on every change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def wait_until(changed: asyncio.Event, predicate: Callable[[], T], timeout: float, *, what: str,
                     calls: Sequence[object]) -> T:
    """The predicate's first truthy value; on timeout, an error listing the last calls the fake saw."""
    try:
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                changed.clear()
                await changed.wait()
            return result
    except TimeoutError:
        recent = "\n".join(f"  {call}" for call in calls[-12:]) or "  (no calls)"
        raise TimeoutError(f"{what} not met within {timeout}s; last calls:\n{recent}") from None

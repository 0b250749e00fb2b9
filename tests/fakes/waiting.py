"""Await a fake's state instead of sleeping: re-check a predicate on every change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


class Changes:
    """A signal that wakes every current waiter once per ``bump()``; nobody has to clear it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def bump(self) -> None:
        # Swap in a fresh Event: the old one wakes its waiters, later waiters wait for the next bump.
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        """Returns at the next ``bump()``."""
        await self._event.wait()


async def wait_until(changes: Changes, predicate: Callable[[], T], timeout: float, *, what: str,
                     calls: Sequence[object]) -> T:
    """The predicate's first truthy value; on timeout, an error listing the last calls the fake saw."""
    try:
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                await changes.wait()
            return result
    except TimeoutError:
        recent = "\n".join(f"  {call}" for call in calls[-12:]) or "  (no calls)"
        raise TimeoutError(f"{what} not met within {timeout}s; last calls:\n{recent}") from None

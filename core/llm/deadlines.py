"""First-token and idle-between-chunks limits around any model event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from core.llm.base import ModelEvent, TextDelta
from core.llm.errors import ModelError, ModelErrorKind

T = TypeVar("T")


@asynccontextmanager
async def closing(events: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Like contextlib.aclosing for any async iterator: a generator left early is closed now,
    not whenever the garbage collector gets to it (that would keep the HTTP stream open)."""
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


class Watchdog:
    """One timer per stream, instead of a timeout context per chunk.

    `reading(deadline)` before each read of the stream and `idle()` after it; the timer only
    moves when it fires early (a chunk came meanwhile), so a chunk costs two attribute writes.
    When a read passes its deadline the reading task is cancelled, inside that read only: the
    consumer's own awaits between chunks are never touched.
    """

    __slots__ = ("_at", "_cancelling", "_deadline", "_handle", "_loop", "_task", "fired")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._handle: asyncio.TimerHandle | None = None
        self._at = 0.0  # when the timer is set to fire
        self._deadline = 0.0  # when the current read times out
        self._task: asyncio.Task[Any] | None = None  # the task inside a read, if any
        self._cancelling = 0
        self.fired = False

    def reading(self, deadline: float) -> None:
        self._deadline = deadline
        self._task = asyncio.current_task(self._loop)
        if self._handle is None or deadline < self._at:
            self._arm(deadline)

    def idle(self) -> None:
        self._task = None

    def close(self) -> None:
        self._task = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def is_ours(self, task: asyncio.Task[Any] | None) -> bool:
        """After a CancelledError in a read: True when this watchdog caused it (and only it)."""
        return self.fired and task is not None and task.uncancel() <= self._cancelling

    def _arm(self, at: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._at = at
        self._handle = self._loop.call_at(at, self._check)

    def _check(self) -> None:
        self._handle = None
        task = self._task
        if task is None:
            return  # between reads: the next read sets a new deadline and re-arms
        if self._loop.time() < self._deadline:
            self._arm(self._deadline)  # chunks came since the timer was set
            return
        self.fired = True
        self._cancelling = task.cancelling()
        task.cancel()


async def with_deadlines(
    events: AsyncIterator[ModelEvent], *, first_token: float, idle: float, target: str = ""
) -> AsyncGenerator[ModelEvent, None]:
    """Pass events through; raise TIMEOUT when the first token or the next chunk is late.

    The first-token limit is absolute (keep-alive pings do not extend it); after the first
    token, any event resets the idle limit. A timeout cancels the inner read, which closes
    the HTTP stream.
    """
    loop = asyncio.get_running_loop()
    first_deadline = loop.time() + first_token
    seen_text = False
    watchdog = Watchdog(loop)
    async with closing(events) as inner:
        try:
            while True:
                watchdog.reading(loop.time() + idle if seen_text else first_deadline)
                try:
                    event = await anext(inner)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    if not watchdog.is_ours(asyncio.current_task()):
                        raise
                    what = (f"no new chunk within {idle:g} s" if seen_text
                            else f"no first token within {first_token:g} s")
                    raise ModelError(ModelErrorKind.TIMEOUT, what, target=target) from None
                finally:
                    watchdog.idle()
                seen_text = seen_text or isinstance(event, TextDelta)
                yield event
        finally:
            watchdog.close()

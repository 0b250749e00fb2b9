"""First-token and idle-between-chunks limits around any model event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

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
    async with closing(events) as inner:
        while True:
            try:
                if seen_text:
                    async with asyncio.timeout(idle):
                        event = await anext(inner)
                else:
                    async with asyncio.timeout_at(first_deadline):
                        event = await anext(inner)
            except StopAsyncIteration:
                return
            except TimeoutError:
                what = f"no new chunk within {idle:g} s" if seen_text else f"no first token within {first_token:g} s"
                raise ModelError(ModelErrorKind.TIMEOUT, what, target=target) from None
            seen_text = seen_text or isinstance(event, TextDelta)
            yield event

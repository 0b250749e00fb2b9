"""What every outlet does when a platform says "retry after N s": pause the chat, never drop text."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from core.outlet import PlatformRetryAfter
from core.store.pacing import ChatPacer

log = logging.getLogger(__name__)

Call = Callable[[], Awaitable[None]]


async def attempt(pacer: ChatPacer, call: Call) -> bool:
    """One try (a streaming preview): on a 429 the chat pauses and the next update carries the text.

    True when the call went through.
    """
    try:
        await call()
        return True
    except PlatformRetryAfter as exc:
        log.info("platform asked to retry after %.1f s; merging text into the next update", exc.seconds)
        await pacer.pause(exc.seconds)
        return False


async def until_done(pacer: ChatPacer, call: Call) -> None:
    """Retry through 429s until the call went through (final text, notices)."""
    while not await attempt(pacer, call):
        pass


def paced(pacer: ChatPacer, call: Call) -> Call:
    """The call, after waiting for the chat's next slot (for one-call sends such as notices)."""

    async def run() -> None:
        await pacer.wait_turn()
        await call()

    return run

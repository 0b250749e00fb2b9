"""What every outlet does when a platform says "retry after N s": pause the chat, never drop text."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn

from core.metrics import count_platform_retry_after
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
        if exc.asked:
            count_platform_retry_after()
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


MAX_NETWORK_RETRIES = 5


class NetworkFailures:
    """One reply's consecutive network failures (or 5xx): each pauses the chat briefly, like a 429
    (2, 4, 8 ... 30 s), until too many in a row, when the error goes up to the caller."""

    def __init__(self, platform: str, *, limit: int = MAX_NETWORK_RETRIES) -> None:
        self._platform = platform
        self._limit = limit
        self._count = 0

    def failed(self, exc: BaseException) -> NoReturn:
        """Raises PlatformRetryAfter with the next wait, or `exc` itself once past the limit."""
        self._count += 1
        if self._count > self._limit:
            raise exc
        delay = min(2.0**self._count, 30.0)
        log.warning("%s call failed (%s); retrying in %.0f s", self._platform, exc, delay)
        raise PlatformRetryAfter(delay, asked=False) from None

    def succeeded(self) -> None:
        self._count = 0

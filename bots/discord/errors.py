"""Discord's "slow down" answers, turned into the core's PlatformRetryAfter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord

from core.outlet import PlatformRetryAfter

DEFAULT_RETRY = 1.0  # seconds, when a 429 names no wait


def _retry_after(exc: discord.HTTPException) -> float:
    header = exc.response.headers.get("Retry-After", "") if exc.response is not None else ""
    try:
        return max(float(header), 0.0)
    except ValueError:
        return DEFAULT_RETRY


@contextmanager
def retry_after_on_429() -> Iterator[None]:
    """discord.py retries a 429 itself a few times; past that the core waits and carries the text."""
    try:
        yield
    except discord.RateLimited as exc:  # longer than max_ratelimit_timeout: our pacer waits instead
        raise PlatformRetryAfter(exc.retry_after) from exc
    except discord.HTTPException as exc:
        if exc.status == 429:
            raise PlatformRetryAfter(_retry_after(exc)) from exc
        raise


def token_gone(exc: discord.HTTPException) -> bool:
    """The interaction token expired or is unknown: the reply must go on as channel messages."""
    return exc.status in (401, 404)

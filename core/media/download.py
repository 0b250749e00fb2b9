"""Reading a download without ever holding more than the limit: for every adapter's `fetch`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from core.outlet import AttachmentTooLarge


async def read_capped(chunks: AsyncIterator[bytes], max_bytes: int, *, stated: int | None = None) -> bytes:
    """The chunks joined; AttachmentTooLarge as soon as they pass `max_bytes` (the rest is not read)."""
    if stated is not None and stated > max_bytes:
        raise AttachmentTooLarge(max_bytes, stated)
    parts: list[bytes] = []
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > max_bytes:
                raise AttachmentTooLarge(max_bytes)
            parts.append(chunk)
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:  # a generator: close it now, which closes its HTTP response
            with contextlib.suppress(Exception):
                await aclose()
    return b"".join(parts)

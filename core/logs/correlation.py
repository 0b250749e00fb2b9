"""A correlation id per message, on every log line about it (contextvars, set once at intake).

The id is derived from the platform's event id, so every replica that touches the message (the
one that received it, the one that answers it from the queue, one that dedupes a re-delivery)
logs the same id without carrying it anywhere.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.hygiene import clean_text
from core.types import Inbound

_current: ContextVar[str] = ContextVar("switchboard_correlation_id", default="")


def correlation_id(platform: str, event_id: str) -> str:
    """Twelve hex characters, the same for the same platform event wherever it is computed."""
    # Cleaned as the queued copy is: a lone surrogate has no UTF-8, and the answering replica sees none.
    return hashlib.blake2b(f"{platform}:{clean_text(event_id)}".encode(), digest_size=6).hexdigest()


@contextmanager
def correlated(inbound: Inbound) -> Iterator[str]:
    """Every log line within this block (and in the tasks it starts) carries the message's id."""
    token = _current.set(correlation_id(inbound.platform, inbound.event_id))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class CorrelationFilter(logging.Filter):
    """Puts `cid` on each record made while a message is being worked on."""

    def filter(self, record: logging.LogRecord) -> bool:
        cid = _current.get()
        if cid:
            record.cid = cid
        return True

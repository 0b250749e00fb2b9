"""Reliability events worth counting: each is logged as one line where it happens, and
announced here so metrics can be attached later without touching those places."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import Enum

log = logging.getLogger(__name__)


class Signal(Enum):
    QUEUE_ADOPTED = "queue_adopted"  # a conversation whose holder stopped renewing was taken over
    REDIS_DOWN = "redis_down"  # this process lost Redis (one per outage)
    REDIS_UP = "redis_up"  # ... and has it again
    NOT_STORED = "not_stored"  # an update left unacknowledged (503, no ack, offset kept)
    BACKLOG_OVERFLOW = "backlog_overflow"  # an update a platform never re-sends was refused
    ROLE_TAKEN = "role_taken"  # this process took a one-at-a-time role (poller, shard)


Listener = Callable[[Signal, Mapping[str, str]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Callable[[], None]:
    """Call `listener` on every signal from now on (the metrics module's one hook); returns
    the call that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def emit(signal: Signal, **labels: str) -> None:
    """Announce a signal; a failing listener is logged, never raised."""
    for listener in _listeners:
        try:
            listener(signal, labels)
        except Exception:  # a metrics bug must not break the path that reported the event
            log.exception("signal listener failed on %s", signal.value)

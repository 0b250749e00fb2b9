"""A failure that repeats logs its traceback once, then a count per minute.

"The same cause" is the same logger, level and message template (for a message formatted before
it was logged, its first line with the numbers masked), and for an exception its type and the
line that raised it. A repeat within the window is held back and counted; once a minute
(on the next record, or `flush_due()`) one line says how many were held back. After ten quiet
minutes the failure is news again and logs in full.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

WINDOW = 60.0
QUIET = 600.0
SUMMARY = "repeat_summary"  # the attribute that marks the filter's own count lines

Key = tuple[str, int, str, str, str]


@dataclass
class _Seen:
    record: logging.LogRecord  # the first one, as logged
    window_start: float
    last: float
    held: int = 0


def _origin(tb: TracebackType | None) -> str:
    """Where the exception was raised: the innermost frame's file and line."""
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"


def cause(record: logging.LogRecord) -> Key:
    template = str(record.msg)
    if not record.args or not template.replace("%s", "").strip():
        # Formatted by the caller (f-strings, py.warnings): its first line with the numbers out.
        template = re.sub(r"\d+", "#", record.getMessage().split("\n", 1)[0])[:200]
    exc = record.exc_info[1] if record.exc_info else None
    return (record.name, record.levelno, template, type(exc).__name__ if exc else "",
            _origin(exc.__traceback__) if exc else "")


class RepeatFilter(logging.Filter):
    """On a handler: records at `level` and above that repeat are held back and counted."""

    def __init__(self, handler: logging.Handler, *, level: int = logging.WARNING, window: float = WINDOW,
                 quiet: float = QUIET, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._handler = handler
        self._level = level
        self._window = window
        self._quiet = quiet
        self._clock = clock
        self._lock = threading.Lock()  # threads log too (to_thread, library threads)
        self._seen: dict[Key, _Seen] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, SUMMARY, False):
            return True
        self.flush_due()
        if record.levelno < self._level:
            return True
        key = cause(record)
        now = self._clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is None or now - seen.last > self._quiet:
                self._seen[key] = _Seen(record, now, now)
                return True
            seen.last = now
            seen.held += 1
            return False

    def flush_due(self) -> None:
        """Log the count of every failure held back for a whole window."""
        now = self._clock()
        due: list[logging.LogRecord] = []
        with self._lock:
            for key, seen in list(self._seen.items()):
                if seen.held and now - seen.window_start >= self._window:
                    due.append(self._summary(seen, now))
                    seen.held, seen.window_start = 0, now
                elif not seen.held and now - seen.last > self._quiet:
                    del self._seen[key]
        for record in due:
            self._handler.handle(record)

    def _summary(self, seen: _Seen, now: float) -> logging.LogRecord:
        first = seen.record
        what = first.getMessage().split("\n", 1)[0]
        tail = "; the first was logged with its traceback" if first.exc_info or first.exc_text else ""
        record = logging.LogRecord(first.name, first.levelno, first.pathname, first.lineno,
                                   "%s [%d more like this in the last %.0f s%s]",
                                   (what, seen.held, now - seen.window_start, tail), None)
        setattr(record, SUMMARY, True)
        return record

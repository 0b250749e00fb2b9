"""Platform libraries that log on every retry: once per outage is enough for an operator.

`OutageLog` lets the first failure of an outage through (as one line, without the traceback)
and drops the repeats until a line says the connection is back; `LogOnce` lets a message
through once per process; `Drop` never (a library warning about how we call it on purpose).
"""

from __future__ import annotations

import logging


class OutageLog(logging.Filter):
    def __init__(self, failing: tuple[str, ...], recovered: tuple[str, ...]) -> None:
        super().__init__()
        self._failing = failing
        self._recovered = recovered
        self._down = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(self._failing):
            if self._down:
                return False
            self._down = True
            if record.exc_info and record.exc_info[1] is not None:  # one line, not a traceback
                record.msg, record.args = f"{message} ({record.exc_info[1]!r})", None
                record.exc_info, record.exc_text = None, None
        elif message.startswith(self._recovered):
            self._down = False
        return True


class LogOnce(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message
        self._seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(self._message):
            return True
        seen, self._seen = self._seen, True
        return not seen


class Drop(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._message)


def quiet(loggers: tuple[str, ...], made: logging.Filter) -> None:
    """Puts the filter on each logger in place of one of its kind (the newest adapter's: one per
    process in production; a fresh outage state for each adapter a test starts).
    One OutageLog on two loggers: failures logged by one, the recovery by the other."""
    for name in loggers:
        target = logging.getLogger(name)
        for old in [f for f in target.filters if type(f) is type(made)]:
            target.removeFilter(old)
        target.addFilter(made)


class Outage:
    """Our own retry loops: say that a platform is unreachable once, and that it is back once."""

    def __init__(self, log: logging.Logger, platform: str) -> None:
        self._log = log
        self._platform = platform
        self.down = False

    def failed(self, exc: BaseException, retry_in: float) -> None:
        if self.down:
            self._log.debug("%s still unreachable (%s); retrying in %.0f s", self._platform, exc, retry_in)
            return
        self.down = True
        self._log.warning("%s is unreachable (%s); retrying in the background until it answers",
                          self._platform, exc or type(exc).__name__)

    def recovered(self, state: str) -> None:
        if self.down:
            self._log.warning("%s is reachable again: %s", self._platform, state)
        self.down = False

"""One handler on the root logger: LOG_FORMAT text or json, with the correlation id, repeats
counted and secrets masked (filters run in that order on every record)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from core.logs.correlation import CorrelationFilter
from core.logs.redaction import RedactionFilter
from core.logs.repeats import RepeatFilter

LogFormat = Literal["text", "json"]
# A line per request at INFO. bots.slack.bolt is the logger the Slack adapter gives bolt: bolt's own
# loggers copy its level, and its request check echoes each refused body (we log one line for it).
QUIET_LIBRARIES = ("httpx", "httpcore", "aiogram.event", "bots.slack.bolt")


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [cid]: message`; the id only on lines about a message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(cid_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        cid = getattr(record, "cid", "")
        record.cid_tag = f" [{cid}]" if cid else ""
        return super().format(record)


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, cid (about a message), exc_info."""
    return JsonFormatter("{levelname}{name}{message}", style="{", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"})


class _Installed:
    handler: logging.Handler | None = None
    redaction: RedactionFilter | None = None
    repeats: RepeatFilter | None = None
    root_level: int | None = None  # the root logger's level before the first configure


def configure(level: str, fmt: LogFormat = "text", secrets: Iterable[str] = (), *,
              stream: TextIO | None = None) -> logging.Handler:
    """Replaces the handler a previous call installed; returns the new one."""
    root = logging.getLogger()
    if _Installed.handler is not None:
        root.removeHandler(_Installed.handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else TextFormatter())
    redaction = RedactionFilter(secrets)
    repeats = RepeatFilter(handler)
    for step in (CorrelationFilter(), repeats, redaction):
        handler.addFilter(step)
    root.addHandler(handler)
    if _Installed.root_level is None:
        _Installed.root_level = root.level
    root.setLevel(level)
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # a library's RuntimeWarning per update becomes a counted log line
    _Installed.handler, _Installed.redaction, _Installed.repeats = handler, redaction, repeats
    return handler


def mask_also(secrets: Iterable[str]) -> None:
    """Secrets read after logging started (each platform's settings)."""
    if _Installed.redaction is not None:
        _Installed.redaction.add(secrets)


async def flush_repeats_forever(every: float = 10.0) -> None:
    """Says how often a held-back failure repeated even when nothing else is logged."""
    while True:
        await asyncio.sleep(every)  # a periodic report, by design
        if _Installed.repeats is not None:
            _Installed.repeats.flush_due()


def uninstall() -> None:
    """Removes the handler (tests)."""
    if _Installed.handler is not None:
        logging.getLogger().removeHandler(_Installed.handler)
    logging.captureWarnings(False)
    if _Installed.root_level is not None:
        logging.getLogger().setLevel(_Installed.root_level)
    _Installed.handler = _Installed.redaction = _Installed.repeats = None
    _Installed.root_level = None


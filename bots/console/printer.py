"""What a terminal shows: relay events in, text out, one reply at a time.

Lines that are not the reply streaming now (another message's notice, a warning from the log)
wait until that reply has ended, so nothing ever lands in the middle of an answer.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

from core.reply.relay import RelayEvent


class Sink(Protocol):
    """Where the printer's text goes: a pipe, or the prompt (bots/console/terminal.py)."""

    def reply(self, delta: str) -> None:
        """More of the reply streaming now."""

    def end_reply(self) -> None:
        """The reply is complete: end its line."""

    def line(self, text: str) -> None:
        """A whole line of its own (a notice)."""

    def warn(self, text: str) -> None:
        """A log line: to stderr, never into the reply."""


class PlainSink:
    """Standard output as it is (a pipe, a file): text as it streams, warnings to stderr."""

    def __init__(self, out: TextIO, err: TextIO | None = None) -> None:
        self._out = out
        self._err = err or sys.stderr

    def reply(self, delta: str) -> None:
        self._out.write(delta)
        self._out.flush()

    def end_reply(self) -> None:
        self.reply("\n")

    def line(self, text: str) -> None:
        self.reply(text + "\n")

    def warn(self, text: str) -> None:
        self._err.write(text + "\n")
        self._err.flush()


class Printer:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._streaming: tuple[str, str] | None = None  # (message, writer) of the reply being shown
        self._held: list[tuple[bool, str]] = []  # (is a warning, text) waiting for the reply to end
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._muted: set[str] = set()

    @property
    def expecting(self) -> bool:
        """Some message sent from here is not settled yet."""
        return bool(self._waiting)

    def expect(self, event_id: str) -> asyncio.Future[None]:
        """A future that completes when the gateway is done with this message."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[event_id] = future
        return future

    def mute(self, event_id: str) -> None:
        """Print nothing this message brings (the /stop that Ctrl-C sends)."""
        self._muted.add(event_id)

    def apply(self, event: RelayEvent) -> None:
        if event.event_id in self._muted and event.kind != "settled":
            return
        if event.kind == "notice":
            self._say(False, event.text)
        elif event.kind == "settled":
            if self._streaming is not None and self._streaming[0] == event.event_id:
                self._end()  # its writer died mid-reply and nobody took over: end the line anyway
            self._muted.discard(event.event_id)
            waiting = self._waiting.pop(event.event_id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        else:
            self._reply(event)

    def say(self, text: str) -> None:
        """A line of the terminal's own, held while a reply streams."""
        self._say(False, text)

    def warn(self, text: str) -> None:
        """A log line, held while a reply streams."""
        self._say(True, text)

    def _reply(self, event: RelayEvent) -> None:
        this = (event.event_id, event.writer)
        if self._streaming is not None and self._streaming != this:
            self._sink.end_reply()  # another writer took the message over: its answer starts afresh
        elif self._streaming is not None and event.kind == "restart":
            self._sink.end_reply()  # a failover starts over (its text says so) on a line of its own
        self._streaming = this
        if event.text:
            self._sink.reply(event.text)
        if event.kind == "finish":
            self._end()

    def _end(self) -> None:
        self._sink.end_reply()
        self._streaming = None
        held, self._held = self._held, []
        for is_warning, text in held:
            self._say(is_warning, text)

    def _say(self, is_warning: bool, text: str) -> None:
        if self._streaming is not None:
            self._held.append((is_warning, text))
        elif is_warning:
            self._sink.warn(text)
        else:
            self._sink.line(text)


class PrinterLog(logging.Handler):
    """Log records through the printer: shown between replies, never inside one."""

    def __init__(self, printer: Printer) -> None:
        super().__init__()
        self._printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._printer.warn(self.format(record))
        except Exception:  # a logging handler must never raise into the code that logged
            self.handleError(record)


@contextmanager
def logs_through(printer: Printer) -> Iterator[None]:
    """While the chat runs, the root logger's stderr output goes through the printer."""
    root = logging.getLogger()
    replaced = [h for h in root.handlers if isinstance(h, logging.StreamHandler)
                and getattr(h, "stream", None) in (sys.stderr, sys.__stderr__)]
    ours = PrinterLog(printer)
    if replaced:
        ours.setFormatter(replaced[0].formatter)
        ours.setLevel(replaced[0].level)
    for handler in replaced:
        root.removeHandler(handler)
    root.addHandler(ours)
    try:
        yield
    finally:
        root.removeHandler(ours)
        for handler in replaced:
            root.addHandler(handler)

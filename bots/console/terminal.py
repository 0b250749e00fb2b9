"""The two ways a terminal chat runs: line by line from a pipe, or as an editable prompt.

The prompt is prompt_toolkit's: line editing and history, and text printed above the line
being typed without disturbing it. While a reply streams, its unfinished last line is shown
above the prompt and each finished line scrolls up; lines entered meanwhile wait below it
(shown as queued) and are sent, in order, once the reply is done. Ctrl-C stops the reply
(what was written stays), Ctrl-D on an empty line or /quit leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application, run_in_terminal
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style

from bots.console.printer import logs_through
from bots.console.session import ChatSession
from core.commands import parse_command

QUIT = frozenset({"/quit", "/exit"})
GREETING = "Type a message and press Enter. /help lists the commands; Ctrl-C stops a reply; Ctrl-D or /quit leaves."
TERMINAL_HELP = "/quit — leave the chat (or Ctrl-D); Ctrl-C stops the reply being written"
LEAVE_WAIT = 5.0  # seconds a reply stopped on the way out may take to end
# Control characters a model might write (escape sequences) are shown as "?" on a live terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STYLE = Style.from_dict({"queued": "ansibrightblack"})


def is_help(text: str) -> bool:
    parsed = parse_command(text)
    return parsed is not None and parsed.name in ("help", "start")


def _is_stop(text: str) -> bool:
    parsed = parse_command(text)
    return parsed is not None and parsed.name == "stop"


async def piped(session: ChatSession, source: TextIO) -> None:
    """Each line is sent once the one before it is answered; ends at EOF or /quit."""
    with logs_through(session.printer):
        while True:
            line = await asyncio.to_thread(source.readline)  # stdin has no async reader
            if not line:
                return
            text = line.strip()
            if not text:
                continue
            if text in QUIT:
                return
            await session.send(text)
            if is_help(text):
                session.printer.say(TERMINAL_HELP)


class PromptView:
    """The printer's sink on a live terminal, and what the prompt shows above the input line."""

    def __init__(self, prompt: str) -> None:
        self._prompt = prompt
        self._done: list[str] = []  # finished lines on their way to the scrollback
        self._partial = ""  # the reply's unfinished last line
        self.queued: list[str] = []  # lines entered while a reply streams
        self.app: Application[str] | None = None

    # -- Sink ---------------------------------------------------------------------------

    def reply(self, delta: str) -> None:
        *lines, self._partial = (self._partial + _CONTROL.sub("?", delta)).split("\n")
        if lines:
            self._done.extend(lines)
            self._scroll()
        self.redraw()

    def end_reply(self) -> None:
        self._done.append(self._partial)
        self._partial = ""
        self._scroll()

    def line(self, text: str) -> None:
        self._done.append(_CONTROL.sub("?", text))
        self._scroll()

    def warn(self, text: str) -> None:
        def write() -> None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        self._above(write)

    # -- the prompt ---------------------------------------------------------------------

    def message(self) -> StyleAndTextTuples:
        if self.app is not None and self.app.is_done:
            return []  # the last render stays on screen: leave nothing of ours in it
        shown: StyleAndTextTuples = []
        if self._done or self._partial:
            shown.extend(("", text + "\n") for text in [*self._done, self._partial])
        shown.extend(("class:queued", f"  (queued) {text}\n") for text in self.queued)
        shown.append(("", self._prompt))
        return shown

    def echo(self, text: str) -> None:
        """A line being sent now, into the scrollback as it was typed."""
        self._done.append(self._prompt + text)
        self._scroll()

    def redraw(self) -> None:
        if self.app is not None and self.app.is_running:
            self.app.invalidate()

    def _scroll(self) -> None:
        def move() -> None:
            lines, self._done = self._done, []
            if lines:
                sys.stdout.write("".join(line + "\n" for line in lines))
                sys.stdout.flush()
        self._above(move)

    def _above(self, write: Callable[[], None]) -> None:
        # run_in_terminal hides the prompt, writes, and draws it again; calls keep their order.
        if self.app is not None and self.app.is_running:
            run_in_terminal(write)
        else:
            write()
        self.redraw()


class Tasks:
    """Work the key handlers start (they cannot await), cancelled when the prompt ends."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def cancel(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)


async def interactive(session: ChatSession, view: PromptView) -> None:
    """The prompt until Ctrl-D or /quit; lines go out one at a time, each after the last reply."""
    outbox: asyncio.Queue[str] = asyncio.Queue()
    tasks = Tasks()
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        text = buffer.text.strip()
        buffer.reset(append_to_history=bool(text))
        if not text:
            return
        if text in QUIT:
            event.app.exit(result="")
        elif _is_stop(text):  # never waits its turn: it is about the reply being written
            view.echo(text)
            tasks.spawn(session.command_now(text))
        else:
            view.queued.append(text)
            outbox.put_nowait(text)
            view.redraw()

    @keys.add("c-c")
    @keys.add(Keys.SIGINT)
    def _interrupt(event: KeyPressEvent) -> None:
        if session.busy:
            tasks.spawn(session.command_now("/stop", quiet=True))  # the reply ends with "(stopped)"
        else:
            event.current_buffer.reset()

    @keys.add("c-d", filter=Condition(lambda: not prompt.default_buffer.text))
    def _leave(event: KeyPressEvent) -> None:
        event.app.exit(result="")

    prompt: PromptSession[str] = PromptSession(view.message, key_bindings=keys, style=STYLE,
                                               erase_when_done=True)
    view.app = prompt.app
    sender = asyncio.create_task(_send_in_turn(session, view, outbox), name="terminal sender")
    try:
        with patch_stdout(raw=False), logs_through(session.printer):
            await prompt.prompt_async()
            view.app = None
            if session.busy:  # leaving mid-reply stops it, so it is stored as far as it got
                await session.command_now("/stop", quiet=True)
                await session.finish_in_flight(LEAVE_WAIT)
    finally:
        view.app = None
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await tasks.cancel()
    if view.queued:
        print(f"Not sent: {len(view.queued)} line(s) typed while the reply was streaming.")


async def _send_in_turn(session: ChatSession, view: PromptView, outbox: asyncio.Queue[str]) -> None:
    while True:
        text = await outbox.get()
        view.queued.remove(text)
        view.echo(text)
        await session.send(text)
        if is_help(text):
            session.printer.say(TERMINAL_HELP)

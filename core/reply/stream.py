"""Turn a model's event stream into paced updates of one reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from core.hygiene import has_surrogate, paired
from core.llm.base import Finished, ModelEvent, Restarted, TextDelta, UsageReport
from core.llm.errors import ModelError
from core.metrics import ReplyClock
from core.outlet import Outlet
from core.store.pacing import ChatPacer
from core.types import Choice

log = logging.getLogger(__name__)

TYPING_EVERY = 4.0  # seconds; platforms show "typing" for about five
# Seconds without text before "typing" is worth a platform call: under a second the wait does
# not break the reader's flow, and most models start by then (the first text is the signal).
TYPING_AFTER = 1.0
STOPPED_MARK = "\n\n_(stopped)_"
# Said under an answer the model ended at its token limit (Finished.reason "length").
LENGTH_LIMIT_NOTE = "\n\n_(cut off: the answer reached its length limit)_"
# ...followed by this line, with a button where the platform has them.
CONTINUE_OFFER = "Send /continue and the model goes on where it stopped."
CONTINUE = Choice("Continue", "/continue")


def restart_line(note: str) -> str:
    """The line over a fresh answer after a failover: plain text, which reads the same in every
    chat and the terminal, while streamed (unformatted) and once final (formatted)."""
    return f"↻ {note}…\n\n"


@dataclass
class ReplyOutcome:
    text: str = ""  # what the user was finally shown (without notes)
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str = ""
    stopped: bool = False
    error: ModelError | None = None

    def label(self) -> Literal["ok", "error", "stopped"]:
        """The outcome as metrics count it."""
        if self.error is not None:
            return "error"
        if self.stopped:
            return "stopped"
        return "ok" if self.text.strip() else "error"  # an empty answer is the model's failure


class ReplyStream:
    """Consumes deltas as fast as they come; shows them no faster than the outlet's budget.

    Coalescing falls out of the shape: while a paced `show` waits for its slot, new deltas
    pile up in the buffer, and the next `show` carries all of them.
    """

    def __init__(
        self,
        outlet: Outlet,
        *,
        stop_requested: Callable[[], Awaitable[bool]] | None = None,
        stop_signal: asyncio.Event | None = None,
        typing_every: float = TYPING_EVERY,
        typing_after: float = TYPING_AFTER,
        pacer: ChatPacer | None = None,
        preface: str = "",
        clock: ReplyClock | None = None,
        on_screen: bool = False,
    ) -> None:
        self._clock = clock  # metrics: when text first showed, when the final text was delivered
        self._pacer = pacer  # waiting for the slot here lets a finished answer skip a last preview
        self._typing_every = typing_every
        self._typing_after = typing_after
        self._outlet = outlet
        self._stop_requested = stop_requested  # asks Redis: works across replicas
        self._stop_signal = stop_signal or asyncio.Event()  # set in-process: wakes us at once
        self._parts: list[str] = []
        self._preface = preface  # above the answer, kept through restarts, never stored (a transcript, a note)
        self._halves = False  # a delta carried surrogate halves
        self._note = ""
        self._broken_off = ""  # the answer a failover abandoned, kept until a new one shows text
        self._on_screen = on_screen  # a message of this reply is in the chat (shown, or an earlier attempt's)
        self._changed = False  # text came since the last show
        self._wake: asyncio.Future[None] | None = None  # the pump waiting for text, if it is
        self._outcome = ReplyOutcome()
        self._polled_at = 0.0

    def _text(self) -> str:
        text = self._preface + self._note + "".join(self._parts)
        return paired(text) if self._halves else text  # Redis and the platforms take no lone halves

    def _text_changed(self) -> None:
        self._changed = True
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _consume(self, events: AsyncIterator[ModelEvent]) -> None:
        async for event in events:
            if isinstance(event, TextDelta):
                self._parts.append(event.text)
                self._halves = self._halves or has_surrogate(event.text)
                self._text_changed()
            elif isinstance(event, UsageReport):
                self._outcome.input_tokens = event.input_tokens
                self._outcome.output_tokens = event.output_tokens
            elif isinstance(event, Finished):
                self._outcome.finish_reason = event.reason
            elif isinstance(event, Restarted):
                self._broken_off = "".join(self._parts) or self._broken_off
                self._parts.clear()
                self._note = restart_line(event.note)
                self._text_changed()

    async def run(self, events: AsyncIterator[ModelEvent]) -> ReplyOutcome:
        producer = asyncio.create_task(self._consume(events))
        try:
            if self._pacer is not None:
                self._pacer.streaming = True  # previews leave a token for the final text
            await self._pump(producer)
        finally:
            if self._pacer is not None:
                self._pacer.streaming = False
            if not producer.done():
                producer.cancel()  # closes the HTTP stream through the generator's finally
            with contextlib.suppress(asyncio.CancelledError, ModelError):
                await producer
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        outcome = await self._conclude(producer)
        if self._pacer is not None:
            await self._pacer.settle()  # a round trip only if the one early token went out late
        return outcome

    async def _pump(self, producer: asyncio.Task[None]) -> None:
        loop = asyncio.get_running_loop()
        self._polled_at = loop.time()  # the context read saw the stop marks just now
        stopped = asyncio.ensure_future(self._stop_signal.wait())  # one waiter for the whole reply
        try:
            await self._show_while_streaming(producer, stopped)
        finally:
            stopped.cancel()

    async def _show_while_streaming(self, producer: asyncio.Task[None], stopped: asyncio.Future[Any]) -> None:
        shown = ""
        # "typing" only when the first text is slow to come: most answers start sooner
        wait = self._typing_after
        while not producer.done():
            if not self._changed:
                self._wake = asyncio.get_running_loop().create_future()
                waiters: set[asyncio.Future[Any]] = {producer, self._wake, stopped}
                try:
                    await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    self._wake.cancel()
                    self._wake = None
            if producer.done():
                return
            if await self._should_stop():
                self._outcome.stopped = True
                return
            if not self._changed:
                if not shown:
                    await self._outlet.typing()  # still waiting for the first token
                wait = self._typing_every
                continue
            if not self._text().strip() or self._text() == shown:
                self._changed = False
                continue
            if self._pacer is not None:
                await self._pacer.acquire(producer, stopped)  # deltas keep arriving meanwhile
                if producer.done():
                    return  # the answer is complete: this token goes to finish(), at once if it may
                if self._stop_signal.is_set():
                    self._outcome.stopped = True
                    return
            self._changed = False
            text = self._text()
            await self._outlet.show(text)
            shown = text
            if self._clock:
                self._clock.shown()
            self._on_screen = True

    async def _should_stop(self) -> bool:
        if self._stop_signal.is_set():
            return True
        # Another replica's /stop only shows in Redis: ask at most once per TYPING_EVERY.
        now = asyncio.get_running_loop().time()
        if self._stop_requested is None or now - self._polled_at < self._typing_every:
            return False
        self._polled_at = now
        return await self._stop_requested()

    async def _finish(self, text: str) -> None:
        await self._outlet.finish(text)
        if self._clock:
            self._clock.delivered()

    async def _conclude(self, producer: asyncio.Task[None]) -> ReplyOutcome:
        outcome = self._outcome
        error = None if producer.cancelled() else producer.exception()
        body = "".join(self._parts)
        outcome.text = paired(body) if self._halves else body
        if isinstance(error, ModelError):
            outcome.error = error
            # One message per answer: text already in the chat ends with the note, in place.
            shown = self._text() if body.strip() else self._preface + self._broken_off
            if shown.strip() or self._on_screen:
                await self._finish((shown.rstrip() + "\n\n" if shown.strip() else "")
                                   + f"⚠️ {error.user_message()}")
            else:
                await self._outlet.notice(error.user_message())
            return outcome
        if error is not None:
            raise error
        if outcome.stopped:
            await self._finish((self._text() or "") + STOPPED_MARK)
            return outcome
        if not body.strip():
            empty = "The model returned an empty answer. Please try again."
            await (self._finish(empty) if self._on_screen else self._outlet.notice(empty))
            return outcome
        limited = outcome.finish_reason == "length"
        await self._finish(self._text() + (LENGTH_LIMIT_NOTE if limited else ""))
        if limited:
            await self._outlet.notice(CONTINUE_OFFER, [CONTINUE])
        return outcome

"""Notices sent from tasks, so no intake waits for a platform call.

A webhook must be answered in milliseconds, but a notice waits for the chat's update budget
(a second or more) and for the platform. Every line the intake steps and commands send goes
through `Notices`: one task per notice, chained per chat so a chat's notices keep their
order, tracked so shutdown waits for them (`drain`) or cancels them (`cancel`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from core.outlet import Outlet
from core.types import Choice, Inbound, Limits

log = logging.getLogger(__name__)

OutletFor = Callable[[Inbound], Outlet]
Call = Callable[[Outlet], Awaitable[None]]


class Notices:
    def __init__(self, outlet_for: OutletFor) -> None:
        self._outlet_for = outlet_for
        self._tasks: set[asyncio.Task[None]] = set()
        self._tails: dict[tuple[str, str], asyncio.Task[None]] = {}  # per chat: the last one queued

    def send(self, inbound: Inbound, text: str, choices: Sequence[Choice] = ()) -> None:
        """Send `text` to the message's chat soon, after the chat's earlier notices; returns at once."""
        self.later(inbound).queue(lambda outlet: outlet.notice(text, choices))

    def then(self, inbound: Inbound, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` after the chat's notices queued so far (e.g. telling a terminal it may go on)."""
        self.later(inbound).queue(lambda _outlet: work())

    def later(self, inbound: Inbound) -> DeferredOutlet:
        """An outlet whose calls are queued here instead of awaited (for command handlers)."""
        return DeferredOutlet(self, inbound)

    def _queue(self, inbound: Inbound, outlet: Outlet, call: Call) -> None:
        chat = (inbound.platform, inbound.chat_id)
        before = self._tails.get(chat)
        task = asyncio.create_task(self._run(before, inbound, outlet, call), name=f"notice {chat}")
        self._tails[chat] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(chat, done))

    def _done(self, chat: tuple[str, str], task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(chat) is task:
            del self._tails[chat]

    async def _run(self, before: asyncio.Task[None] | None, inbound: Inbound, outlet: Outlet, call: Call) -> None:
        if before is not None:
            await asyncio.wait({before})  # its failure is its own: this one still goes
        try:
            await call(outlet)
        except Exception:  # outermost boundary of a notice task: logged, never lost silently
            log.exception("notice to %s chat %s failed", inbound.platform, inbound.chat_id)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks)

    async def drain(self) -> None:
        """Wait until every queued notice went out (or failed)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


class DeferredOutlet:
    """The Outlet protocol over `Notices`: each call is queued in order on one real outlet."""

    def __init__(self, notices: Notices, inbound: Inbound) -> None:
        self._notices = notices
        self._inbound = inbound
        self._real = notices._outlet_for(inbound)  # an object only: nothing is sent yet
        self.limits: Limits = self._real.limits

    def queue(self, call: Call) -> None:
        self._notices._queue(self._inbound, self._real, call)

    async def typing(self) -> None:
        self.queue(lambda outlet: outlet.typing())

    async def show(self, text: str) -> None:
        self.queue(lambda outlet: outlet.show(text))

    async def finish(self, text: str) -> None:
        self.queue(lambda outlet: outlet.finish(text))

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        self.queue(lambda outlet: outlet.notice(text, choices))

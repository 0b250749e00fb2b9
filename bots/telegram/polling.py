"""Long polling that confirms only what was stored.

aiogram's Dispatcher.start_polling moves its offset past each update as it reads it, before the
update is handled (`_listen_updates` sets `offset = update_id + 1` as it yields), so an update
the gateway could not store (Redis away) is confirmed by the next getUpdates and lost. This loop
asks getUpdates itself and moves the offset past stored updates only: the first one refused
stays unconfirmed, with everything after it (those already stored come back as duplicates and
are dropped), and polling pauses until the gateway can store again.

Updates of one chat are handed over together and queued in order (the handlers keep each chat's
order); chats go in parallel. A later update of a chat stored before an earlier one was refused
comes back with it and is dropped as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import AiogramError, TelegramConflictError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bots.quiet_logs import Outage
from core.errors import NotStored
from core.gateway import Gateway

log = logging.getLogger(__name__)

BUSY_WAIT = 1.0  # seconds before asking again for an update another replica is taking in


class LongPoll:
    def __init__(self, bot: Bot, dispatcher: Dispatcher, gateway: Gateway, *, timeout: int,
                 retry: BackoffConfig, outage: Outage) -> None:
        self._outage = outage  # says once per outage that Telegram is unreachable, and once that it is back
        self._bot = bot
        self._dispatcher = dispatcher
        self._gateway = gateway
        self._timeout = timeout
        self._retry = retry

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until `stop` is set; a request in flight then is dropped, a batch being handed
        over is finished first."""
        offset: int | None = None
        backoff = Backoff(self._retry)
        conflicts = 0
        while not stop.is_set():
            try:
                updates = await self._get(offset, stop)
            except AiogramError as exc:
                if isinstance(exc, TelegramConflictError):
                    conflicts += 1  # another process polls this token (a webhook, or a replica outside the lease)
                    if conflicts == 1:
                        log.warning("Telegram says another process polls this bot (%s); retrying", exc.message)
                else:
                    self._outage.failed(exc, backoff.next_delay)
                await _sleep_unless(stop, backoff.next_delay)
                next(backoff)
                continue
            if updates is None:
                return
            self._outage.recovered("polling again")
            backoff.reset()
            conflicts = 0
            if not updates:
                continue
            refused, busy_only = await self._hand_over(updates)
            offset = refused if refused is not None else updates[-1].update_id + 1
            if refused is not None:
                if busy_only:
                    await _sleep_unless(stop, BUSY_WAIT)
                else:
                    await _wait_unless(stop, self._gateway.until_storable())

    async def _get(self, offset: int | None, stop: asyncio.Event) -> list[Update] | None:
        """One long poll; None when `stop` was set meanwhile."""
        method = GetUpdates(offset=offset, timeout=self._timeout,
                            allowed_updates=self._dispatcher.resolve_used_update_types())
        session_timeout = int(self._bot.session.timeout or 0)
        request = asyncio.ensure_future(self._bot(method, request_timeout=session_timeout + self._timeout))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({request, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not request.done():
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await request
            return None
        return request.result()

    async def _hand_over(self, updates: Sequence[Update]) -> tuple[int | None, bool]:
        """Feeds the batch; returns the first update id not stored (None: all were) and whether
        every refusal was "another replica is taking it in" rather than Redis being away."""
        chats: dict[str, list[Update]] = {}
        for update in updates:
            chats.setdefault(_chat_of(update), []).append(update)
        results = await asyncio.gather(*(self._feed_chat(chat) for chat in chats.values()))
        refused = [r for r in results if r is not None]
        if not refused:
            return None, False
        return min(update_id for update_id, _ in refused), all(busy for _, busy in refused)

    async def _feed_chat(self, updates: list[Update]) -> tuple[int, bool] | None:
        """One chat's updates, handed over together (the handlers keep their order, and an album's
        first photo waits for the rest); the first one the gateway could not store, if any."""
        results = await asyncio.gather(*(self._dispatcher.feed_update(self._bot, update) for update in updates),
                                       return_exceptions=True)
        for update, result in zip(updates, results, strict=True):
            if isinstance(result, NotStored):
                return update.update_id, result.busy
            if isinstance(result, Exception):  # a bug handling one update: logged, and confirmed (a retry fails alike)
                log.error("update %d failed", update.update_id, exc_info=result)
        return None


def _chat_of(update: Update) -> str:
    if update.message is not None:
        return str(update.message.chat.id)
    query = update.callback_query
    if query is not None and query.message is not None:
        return str(query.message.chat.id)
    return f"update:{update.update_id}"


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)  # a backoff pause that a stop cuts short


async def _wait_unless(stop: asyncio.Event, waited: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(waited)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        task.cancel()
        stopped.cancel()

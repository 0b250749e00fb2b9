"""Telegram's side of a webhook: each chat's updates are delivered in order, and an update
that is not answered 2xx is sent again (with a short backoff) until it is."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

RETRY_MIN, RETRY_MAX = 0.1, 1.0


@dataclass
class Delivered:
    update: dict[str, Any]
    queued_at: float
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)
    acknowledged_at: float | None = None


class WebhookDelivery:
    def __init__(self, url: str, secret: str) -> None:
        self._url = url
        self._headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.log: list[Delivered] = []
        self._queues: dict[int, asyncio.Queue[Delivered]] = defaultdict(asyncio.Queue)
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> WebhookDelivery:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for worker in self._workers.values():
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def send(self, chat_id: int, update: dict[str, Any]) -> Delivered:
        item = Delivered(update, time.monotonic())
        self.log.append(item)
        self._queues[chat_id].put_nowait(item)
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(self._work(self._queues[chat_id]))
        return item

    async def drained(self, timeout: float) -> None:
        """Until every update so far was acknowledged."""
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(queue.join() for queue in self._queues.values()))

    async def _work(self, queue: asyncio.Queue[Delivered]) -> None:
        assert self._session is not None
        while True:
            item = await queue.get()
            wait = RETRY_MIN
            while True:
                item.attempts += 1
                try:
                    async with self._session.post(self._url, json=item.update, headers=self._headers) as resp:
                        await resp.read()
                        status = resp.status
                except (aiohttp.ClientError, OSError, TimeoutError):
                    status = 0
                item.statuses.append(status)
                if 200 <= status < 300:
                    item.acknowledged_at = time.monotonic()
                    break
                await asyncio.sleep(wait)  # Telegram's retry backoff, shortened
                wait = min(wait * 2, RETRY_MAX)
            queue.task_done()

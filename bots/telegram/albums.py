"""Telegram sends an album (several photos or files sent together) as one message per item,
sharing a `media_group_id`, with the caption on one of them. The first to arrive carries
the whole album to the gateway once no more items came for a short while; the others wait
until it has, so none is confirmed to Telegram before the album is queued.

In-process: items of one album that reach different replicas (webhooks behind a load
balancer) are answered as separate messages, as they were sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiogram.types import Message

QUIET = 0.6  # seconds without a new item before an album counts as complete
LONGEST = 5.0  # seconds an album is collected at most


@dataclass
class _Album:
    items: list[Message]
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    handed: asyncio.Event = field(default_factory=asyncio.Event)  # the first item went to the gateway


class Albums:
    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self._quiet = quiet
        self._longest = longest
        self._open: dict[tuple[int, str], _Album] = {}

    def opens(self, message: Message) -> bool:
        """True for a message that starts an album (its caller collects it with `collect`);
        False for one that joined an open album (its caller awaits `joined`). Call before any await."""
        key = (message.chat.id, message.media_group_id or "")
        album = self._open.get(key)
        if album is None:
            self._open[key] = _Album([message])
            return True
        album.items.append(message)
        album.arrived.set()
        return False

    async def joined(self, message: Message) -> None:
        """Returns once the album this message joined was handed to the gateway."""
        album = self._open.get((message.chat.id, message.media_group_id or ""))
        if album is not None:
            await album.handed.wait()

    async def collect(self, first: Message) -> tuple[list[Message], asyncio.Event]:
        """Every item of the album `first` opened, in order, once no more arrive; set the event
        once they are handed to the gateway."""
        key = (first.chat.id, first.media_group_id or "")
        album = self._open[key]
        try:
            async with asyncio.timeout(self._longest):
                while True:
                    album.arrived.clear()
                    try:
                        async with asyncio.timeout(self._quiet):  # a debounce, by nature a timer
                            await album.arrived.wait()
                    except TimeoutError:
                        break
        except TimeoutError:
            pass  # an album that keeps growing is cut at LONGEST
        del self._open[key]
        return sorted(album.items, key=lambda m: m.message_id), album.handed

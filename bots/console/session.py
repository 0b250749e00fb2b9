"""One terminal's conversation: sends its lines, and prints what its relay brings back."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from bots.console.adapter import ConsoleAdapter
from bots.console.printer import Printer, Sink
from core.errors import NotStored
from core.gateway import Gateway
from core.reply.relay import RelayEvent
from core.types import Inbound

log = logging.getLogger(__name__)

NOT_STORED = "That was not sent: the memory store (Redis) is unreachable. Try again in a moment."
RETRY_READ = 1.0  # seconds before reading the relay again after Redis failed


class ChatSession:
    def __init__(self, adapter: ConsoleAdapter, gateway: Gateway, sink: Sink) -> None:
        self.printer = Printer(sink)
        self._adapter = adapter
        self._gateway = gateway
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._expecting = asyncio.Event()  # set while a sent message is not settled: read the relay
        self._in_flight: asyncio.Future[None] | None = None

    async def __aenter__(self) -> ChatSession:
        self._reader = asyncio.create_task(self._read(), name="terminal relay")
        return self

    async def __aexit__(self, *_: object) -> None:
        self._closing = True  # redis-py may swallow the cancel of a blocking read: the loop checks this
        self._expecting.set()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    @property
    def busy(self) -> bool:
        """A message was sent and the gateway is not done with it yet."""
        return self._in_flight is not None and not self._in_flight.done()

    async def send(self, text: str) -> None:
        """Sends one line; returns once it is answered (or refused, or the command ran)."""
        await (await self.submit(text))

    async def submit(self, text: str) -> asyncio.Future[None]:
        """Hands one line to the gateway; the future completes once the gateway is done with it."""
        inbound = self._adapter.inbound(text)
        settled = self.printer.expect(inbound.event_id)
        self._expecting.set()
        self._in_flight = settled
        await self._hand(inbound)
        return settled

    async def command_now(self, text: str, *, quiet: bool = False) -> None:
        """A command that must not wait for the reply being written (/stop); `quiet` prints nothing of it."""
        inbound = self._adapter.inbound(text)
        if quiet:
            self.printer.mute(inbound.event_id)
        self.printer.expect(inbound.event_id)
        self._expecting.set()
        await self._hand(inbound)

    async def _hand(self, inbound: Inbound) -> None:
        """Hands a line to the gateway; one it could not store (Redis away) is said so, and settled here."""
        try:
            await self._gateway.handle(inbound)
        except NotStored:
            self.printer.say(NOT_STORED)
            self.printer.apply(RelayEvent("settled", inbound.event_id))

    async def finish_in_flight(self, within: float) -> bool:
        """Waits up to `within` seconds for the message being answered; True when it was."""
        if self._in_flight is None:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._in_flight), within)
        except TimeoutError:
            return False
        return True

    async def _read(self) -> None:
        """Reads the relay while something is expected: only this terminal's messages bring events,
        each ending with its `settled`, so with none outstanding nothing can come (and exit is at once)."""
        while not self._closing:
            if not self.printer.expecting:
                self._expecting.clear()
                await self._expecting.wait()
                continue
            try:
                event = await self._gateway.relayed(self._adapter.route)
                if event is not None:
                    self.printer.apply(event)
            except (RedisError, OSError) as exc:
                if self._closing:
                    return
                log.warning("reading this terminal's replies failed (%s); trying again", exc)
                await asyncio.sleep(RETRY_READ)  # Redis is away: the list keeps what arrives meanwhile

"""The terminal as a platform: stdin lines in, streamed text out."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Sequence
from typing import TextIO

from core.gateway import Gateway
from core.store.pacing import ChatPacer
from core.types import Choice, Inbound, Limits
from core.web import WebServer

LIMITS = Limits(max_chars=1_000_000, min_edit_interval=0.0)


class ConsoleOutlet:
    """Prints only what is new since the last show, so a reply streams in place."""

    def __init__(self, out: TextIO) -> None:
        self.limits = LIMITS
        self._out = out
        self._printed = ""

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    async def typing(self) -> None:
        return None

    async def show(self, text: str) -> None:
        if text.startswith(self._printed):
            self._write(text[len(self._printed):])
        else:  # a failover restarted the answer
            self._write("\n" + text)
        self._printed = text

    async def finish(self, text: str) -> None:
        await self.show(text)
        self._write("\n")

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        self._write(text + "\n")


class ConsoleAdapter:
    name = "console"

    def __init__(self, user: str, out: TextIO | None = None) -> None:
        self.user = user
        self._out = out or sys.stdout

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Nothing to connect: `chat` reads the terminal."""

    async def stop_intake(self) -> None:
        """`chat` stops reading at EOF or /quit."""

    async def close(self) -> None:
        """Nothing to close."""

    def status(self) -> str:
        return f"terminal as {self.user}"

    def limits_for(self, inbound: Inbound) -> Limits:
        return LIMITS

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer) -> ConsoleOutlet:
        return ConsoleOutlet(self._out)

    def is_allowed(self, inbound: Inbound) -> bool:
        return True

    @property
    def has_allowlist(self) -> bool:
        """The terminal's list is whoever sits at it: the operator, under every ACCESS_POLICY."""
        return True

    def inbound(self, text: str) -> Inbound:
        return Inbound(
            platform=self.name,
            event_id=uuid.uuid4().hex,
            chat_id=self.user,
            user_id=self.user,
            user_name=self.user,
            text=text,
            is_direct=True,
        )

    async def chat(self, gateway: Gateway, lines: TextIO | None = None) -> None:
        """Answer each input line before reading the next; ends at EOF."""
        source = lines or sys.stdin
        interactive = source.isatty()
        while True:
            if interactive:
                self._out.write(f"{self.user}> ")
                self._out.flush()
            line = await asyncio.to_thread(source.readline)  # stdin has no async reader
            if not line:
                break
            text = line.rstrip("\n")
            if not text.strip():
                continue
            if interactive and text.strip() in ("/quit", "/exit"):
                break
            await gateway.handle(self.inbound(text))
            await gateway.join()
        await gateway.join()

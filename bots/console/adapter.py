"""The terminal as a platform: lines in, replies out, in the terminal that asked.

A reply travels through the gateway's relay (core/reply/relay.py): whichever process holds
the conversation (this one, another terminal of the same user, `switchboard run`) writes it
into this terminal's list, and this terminal prints it. So every process that may answer a
terminal binds this adapter; `switchboard run` binds one with no terminal of its own.
"""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from core.gateway import Gateway
from core.outlet import AttachmentUnavailable, Outlet
from core.reply.relay import ROUTE
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Inbound, Limits
from core.web import WebServer

PLATFORM = "console"
# A terminal takes text as fast as it comes; 30 ms between updates keeps the relay's traffic small.
LIMITS = Limits(max_chars=1_000_000, min_edit_interval=0.03)


class ConsoleAdapter:
    name = PLATFORM

    def __init__(self, user: str = "console", *, terminal: bool = True) -> None:
        self.user = user
        self.route = uuid.uuid4().hex  # this terminal's relay: where its answers arrive
        self._terminal = terminal
        self._gateway: Gateway | None = None

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Nothing to connect: `chat` reads the terminal."""
        self._gateway = gateway

    async def stop_intake(self) -> None:
        """`chat` stops reading at EOF or /quit."""

    async def close(self) -> None:
        """Nothing to close."""

    def status(self) -> str:
        """Empty for the binding `switchboard run` keeps to answer terminals elsewhere (not listed)."""
        return f"terminal as {self.user}" if self._terminal else ""

    def ready(self) -> bool:
        return True

    def limits_for(self, inbound: Inbound) -> Limits:
        return LIMITS

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        assert self._gateway is not None, "outlets are asked for once the gateway runs"
        return self._gateway.relay_outlet(inbound, LIMITS)

    def is_allowed(self, inbound: Inbound) -> bool:
        return True

    @property
    def has_allowlist(self) -> bool:
        """The terminal's list is whoever sits at it: the operator, under every ACCESS_POLICY."""
        return True

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        raise AttachmentUnavailable("the terminal sends no files")  # its Inbounds carry none

    def inbound(self, text: str) -> Inbound:
        return Inbound(
            platform=self.name,
            event_id=uuid.uuid4().hex,
            chat_id=self.user,
            user_id=self.user,
            user_name=self.user,
            text=text,
            is_direct=True,
            reply_route={ROUTE: self.route},
        )

    async def chat(self, gateway: Gateway, lines: TextIO | None = None, out: TextIO | None = None) -> None:
        """Talk until EOF, Ctrl-D or /quit: an editable prompt on a terminal, else line by line."""
        from bots.console.printer import PlainSink
        from bots.console.session import ChatSession
        from bots.console.terminal import GREETING, PromptView, interactive, piped

        source, target = lines or sys.stdin, out or sys.stdout
        if source.isatty() and target.isatty():
            view = PromptView(f"{self.user}> ")
            view.line(GREETING)
            async with ChatSession(self, gateway, view) as session:
                await interactive(session, view)
            return
        async with ChatSession(self, gateway, PlainSink(target)) as session:
            await piped(session, source)

"""What every platform adapter is: a binding the core can answer through, plus a connection."""

from __future__ import annotations

from typing import Protocol

from core.gateway import Gateway
from core.outlet import Outlet, PlatformBinding, PlatformRetryAfter
from core.reply.paged import MessageOps, PagedOutlet
from core.web import WebServer

__all__ = ["Adapter", "MessageOps", "Outlet", "PagedOutlet", "PlatformBinding", "PlatformRetryAfter"]


class Adapter(PlatformBinding, Protocol):
    """A platform connection: turns updates into Inbounds and gives the core Outlets."""

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Connect and begin delivering updates to `gateway.handle`; returns once running.

        Webhook-style adapters add their routes to `web`, which starts after every adapter.
        """

    async def stop(self) -> None:
        """Disconnect cleanly."""

    def status(self) -> str:
        """One line for the start-up table (bot name, mode)."""

"""What every platform adapter is: a binding the core can answer through, plus a connection."""

from __future__ import annotations

from typing import Protocol

from core.gateway import Gateway
from core.outlet import PlatformBinding
from core.web import WebServer


class Adapter(PlatformBinding, Protocol):
    """A platform connection: turns updates into Inbounds and gives the core Outlets.

    The composition root (switchboard/lifecycle.py) starts adapters in order and shuts them
    down in two phases: every adapter's intake first, then, once replies in flight had their
    grace period, the connections themselves (replies still streaming need them until then).
    """

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Connect and begin delivering updates to `gateway.handle`; returns once running.

        Webhook-style adapters add their routes to `web`, which starts after every adapter.
        """

    async def stop_intake(self) -> None:
        """Take no new updates (stop polling, close the socket); replies in flight go on."""

    async def close(self) -> None:
        """Disconnect and free everything; called after stop_intake and the grace period."""

    def status(self) -> str:
        """One line for the start-up table (bot name, mode)."""

    def ready(self) -> bool:
        """True while the platform is connected and updates are taken in (what /readyz reads).

        False before the first successful connection, while reconnecting, after the platform
        refused us for good, and from `stop_intake` on. Cheap and synchronous: it reads state
        the connection keeps, never calls the platform.
        """

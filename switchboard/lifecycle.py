"""Start-up and shutdown of the adapters, in one place.

Start: adapters start in order; if one fails, the ones already started (and the one that
failed, which may hold a half-open session) are closed before the error goes up.
Shutdown, in two phases: every adapter stops taking updates, the gateway gets the grace
period to finish the replies in flight (they still need the adapters' connections); replies
still streaming then are handed over (checkpoint saved, lease freed: another replica continues
them at once), and the adapters close.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bots.base import Adapter
from core.gateway import Gateway
from core.web import WebServer

log = logging.getLogger(__name__)


async def start_all(adapters: Sequence[Adapter], gateway: Gateway, web: WebServer) -> None:
    """Start every adapter; on a failure close those started, then raise the failure."""
    started: list[Adapter] = []
    try:
        for adapter in adapters:
            started.append(adapter)  # a failed start may leave a session open: close it too
            await adapter.start(gateway, web)
    except BaseException:
        await _stop_intake(list(reversed(started)))
        await _close(started)
        raise


async def shut_down(adapters: Sequence[Adapter], gateway: Gateway, grace: float) -> None:
    """Stop intake everywhere, let replies finish for up to `grace` seconds, hand the rest over,
    close the adapters."""
    await _stop_intake(adapters)
    if not await gateway.join(grace):
        handed = await gateway.hand_over()
        log.warning("%d replies still streaming after %.0f s: handed over to another replica", handed, grace)
    await _close(adapters)


async def _stop_intake(adapters: Sequence[Adapter]) -> None:
    for adapter in adapters:
        try:
            await adapter.stop_intake()
        except Exception:  # outermost boundary of one adapter's shutdown: the others still stop
            log.exception("stopping %s's intake failed", adapter.name)


async def _close(adapters: Sequence[Adapter]) -> None:
    for adapter in reversed(adapters):
        try:
            await adapter.close()
        except Exception:  # outermost boundary of one adapter's shutdown: the others still close
            log.exception("closing %s failed", adapter.name)

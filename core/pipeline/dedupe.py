"""A platform re-delivery (same event id) is answered once, whichever replica sees it."""

from __future__ import annotations

import logging

from core.services import Core
from core.types import Inbound

log = logging.getLogger(__name__)


async def dedupe(inbound: Inbound, core: Core) -> Inbound | None:
    if await core.dedupe.first_time(inbound.platform, inbound.event_id):
        return inbound
    log.info("duplicate event %s:%s ignored", inbound.platform, inbound.event_id)
    return None

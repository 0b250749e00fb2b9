"""Re-deliveries stop here (dedupe by event id, any replica); floods get told when to retry."""

from __future__ import annotations

import logging

from core.services import Core
from core.types import Inbound

log = logging.getLogger(__name__)


async def admission(inbound: Inbound, core: Core) -> Inbound | None:
    verdict = await core.admissions.admit(inbound.platform, inbound.event_id, inbound.user_id)
    if not verdict.first_time:
        log.info("duplicate event %s:%s ignored", inbound.platform, inbound.event_id)
        return None
    core.metrics.received(inbound.platform)
    if verdict.wait_seconds:
        core.metrics.replied(inbound.platform, "refused")
        await core.outlet_for(inbound).notice(f"Too many messages. Try again in {verdict.wait_seconds} s.")
        return None
    return inbound

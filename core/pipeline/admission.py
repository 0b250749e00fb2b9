"""Re-deliveries stop here (dedupe by event id, any replica); a flood is told once per window
when to come back, and the rest of it is dropped quietly."""

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
        if verdict.first_over:
            log.info("flood limit: %s user %s over %d a minute", inbound.platform, inbound.user_id,
                     core.settings.user_messages_per_minute)
            core.notices.send(inbound, f"Too many messages — I'll read you again in {verdict.wait_seconds} s.")
        return None
    return inbound

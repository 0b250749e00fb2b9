"""Re-deliveries stop here (dedupe by event id, any replica); a flood is told once per window
when to come back, and the rest of it is dropped quietly."""

from __future__ import annotations

import logging

from core.errors import NotStored
from core.services import Core
from core.store.admission import Verdict
from core.types import Inbound

log = logging.getLogger(__name__)


async def admission(inbound: Inbound, core: Core) -> Inbound | None:
    verdict = await core.admissions.admit(inbound.platform, inbound.event_id, inbound.user_id, inbound.chat_id)
    if verdict.verdict is Verdict.BUSY:
        log.info("event %s:%s is being taken in elsewhere; left for a re-delivery", inbound.platform, inbound.event_id)
        raise NotStored("another replica is taking this update in", busy=True)
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

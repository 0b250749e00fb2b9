"""Re-deliveries stop here (dedupe by event id, any replica); floods get told when to retry."""

from __future__ import annotations

import logging

from core.errors import NotStored
from core.services import Core
from core.store.admission import Verdict
from core.types import Inbound

log = logging.getLogger(__name__)


async def admission(inbound: Inbound, core: Core) -> Inbound | None:
    verdict = await core.admissions.admit(inbound.platform, inbound.event_id, inbound.user_id)
    if verdict.verdict is Verdict.BUSY:
        log.info("event %s:%s is being taken in elsewhere; left for a re-delivery", inbound.platform, inbound.event_id)
        raise NotStored("another replica is taking this update in", busy=True)
    if not verdict.first_time:
        log.info("duplicate event %s:%s ignored", inbound.platform, inbound.event_id)
        return None
    if verdict.wait_seconds:
        await core.outlet_for(inbound).notice(f"Too many messages. Try again in {verdict.wait_seconds} s.")
        return None
    return inbound

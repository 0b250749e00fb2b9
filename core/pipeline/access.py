"""The platform's allowlists decide; a refused user gets one polite line."""

from __future__ import annotations

import logging

from core.services import Core
from core.types import Inbound

log = logging.getLogger(__name__)

REFUSAL = "Sorry, this bot is not open to you. Ask its operator for access."


async def access(inbound: Inbound, core: Core) -> Inbound | None:
    if core.binding(inbound).is_allowed(inbound):
        return inbound
    log.info("refused %s user %s in chat %s", inbound.platform, inbound.user_id, inbound.chat_id)
    core.metrics.replied(inbound.platform, "refused")
    await core.outlet_for(inbound).notice(REFUSAL)
    return None

"""A user who floods the bot is told when to try again instead of burning the model budget."""

from __future__ import annotations

from core.services import Core
from core.types import Inbound


async def rate_limit(inbound: Inbound, core: Core) -> Inbound | None:
    wait = await core.rate.wait_seconds(inbound.platform, inbound.user_id)
    if wait == 0:
        return inbound
    await core.outlet_for(inbound).notice(f"Too many messages. Try again in {wait} s.")
    return None

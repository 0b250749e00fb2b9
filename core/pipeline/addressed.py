"""Only messages meant for the bot go on (mentions, replies, DMs, slash commands)."""

from __future__ import annotations

from core.services import Core
from core.types import Inbound


async def addressed(inbound: Inbound, core: Core) -> Inbound | None:
    return inbound if inbound.addressed or inbound.is_direct else None

"""Control characters and lone surrogates never reach Redis, commands or the model: the first
step, before anything reads the message (core/hygiene.py)."""

from __future__ import annotations

from core.hygiene import clean_inbound
from core.services import Core
from core.types import Inbound


async def hygiene(inbound: Inbound, core: Core) -> Inbound | None:
    return clean_inbound(inbound)

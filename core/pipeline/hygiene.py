"""Control characters and lone surrogates never reach commands, storage or the model."""

from __future__ import annotations

import dataclasses

from core.hygiene import clean_text
from core.services import Core
from core.types import Inbound


async def hygiene(inbound: Inbound, core: Core) -> Inbound | None:
    text = clean_text(inbound.text)
    return inbound if text == inbound.text else dataclasses.replace(inbound, text=text)

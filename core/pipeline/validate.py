"""Empty and oversized messages get a short answer instead of a model call (a photo, voice note
or file alone is not empty: its words may be none)."""

from __future__ import annotations

import logging

from core.services import Core
from core.types import Inbound

log = logging.getLogger(__name__)


async def validate(inbound: Inbound, core: Core) -> Inbound | None:
    text = inbound.text.strip()
    limit = core.settings.max_input_chars
    if not text and not inbound.attachments:
        core.metrics.replied(inbound.platform, "refused")
        core.notices.send(inbound, "Send me some text and I will answer it.")
        return None
    if len(text) > limit:
        log.info("refused %d-char message from %s:%s", len(text), inbound.platform, inbound.user_id)
        core.metrics.replied(inbound.platform, "refused")
        core.notices.send(inbound, f"Your message is {len(text):,} characters; the limit is {limit:,}. "
                                   "Please shorten it or split it into parts.")
        return None
    return inbound

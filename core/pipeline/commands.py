"""Commands are answered at once, outside the conversation queue (so /stop can interrupt); what
they say goes out from a task (core/notices.py), so the intake never waits for the platform."""

from __future__ import annotations

import dataclasses

from core.commands import dispatch, parse_command
from core.services import Core
from core.types import Inbound


async def commands(inbound: Inbound, core: Core) -> Inbound | None:
    parsed = parse_command(inbound.text)
    if parsed is None:
        return inbound
    text = await dispatch(core, inbound, core.notices.later(inbound), parsed)
    return dataclasses.replace(inbound, text=text) if text else None

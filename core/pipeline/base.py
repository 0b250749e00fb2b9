"""A pipeline step takes a message and returns it (maybe rewritten) or None to stop there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.services import Core
from core.types import Inbound

Step = Callable[[Inbound, Core], Awaitable[Inbound | None]]

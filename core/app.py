"""Assemble a running core from settings: Redis, the model client, the gateway."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.config import Settings
from core.gateway import Gateway
from core.llm.factory import build_model_client
from core.redis_client import RedisHandle, connect
from core.services import Core

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A problem the operator must fix, phrased as one line."""


@asynccontextmanager
async def running_core(settings: Settings) -> AsyncIterator[tuple[Gateway, RedisHandle]]:
    try:
        handle = await connect(settings.redis_url, settings.data_dir)
    except ConnectionError as exc:
        raise StartupError(str(exc)) from None
    model = build_model_client(settings, handle.client, settings.redis_prefix)
    core = Core(settings=settings, redis=handle.client, model=model)
    gateway = Gateway(core)
    try:
        yield gateway, handle
    finally:
        await gateway.close()
        await model.aclose()
        await handle.close()

"""Assemble a running core from settings: Redis, the model client, the gateway."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.llm.base import ModelInfo
from core.llm.endpoints import EndpointsFileError
from core.llm.factory import build_model_client
from core.llm.gate import check_window, window_warning
from core.redis_client import RedisHandle, connect
from core.services import Core

log = logging.getLogger(__name__)


async def check_default_model(core: Core) -> None:
    """The 64K gate at start-up: a too-small default model stops the gateway with the numbers.
    Its window comes from the first endpoint that knows it (the primary may be down)."""
    settings = core.settings
    model = settings.model_name
    if not model:
        return
    info = ModelInfo(model, await core.model.window(model))
    refusal = check_window(info, settings.min_context_tokens)
    if refusal:
        raise StartupError(f"{refusal} Set MODEL_NAME to a larger model (see `switchboard model`).")
    if info.context_window is None:
        why, detail = await core.catalog.unknown_because(model)
        log.warning(window_warning(info, settings.min_context_tokens, why, detail))


async def check_fallbacks(core: Core) -> None:
    """The same gate for every fallback target (MODEL_FALLBACKS, endpoints.toml): one under the
    minimum stops the gateway with the numbers (the chain would never use it anyway)."""
    settings = core.settings
    for target in core.model.targets_for(settings.model_name):
        if target.endpoint.name == "primary" and target.model == settings.model_name:
            continue  # the default model: check_default_model's
        info = ModelInfo(target.model, await target.endpoint.catalog.window(target.model))
        refusal = check_window(info, settings.min_context_tokens)
        if refusal:
            where = "MODEL_FALLBACKS" if target.endpoint.name == "primary" else \
                f"endpoints.toml [{target.endpoint.name}]"
            raise StartupError(f"Fallback {target.model} in {where}: {refusal} "
                               f"Remove it from {where}, or name a larger model there.")


@asynccontextmanager
async def running_core(settings: Settings) -> AsyncIterator[tuple[Gateway, RedisHandle]]:
    try:
        handle = await connect(settings.redis_url, settings.data_dir)
    except ConnectionError as exc:
        raise StartupError(str(exc)) from None
    try:
        model = build_model_client(settings, handle.client, settings.redis_prefix)
    except EndpointsFileError as exc:
        await handle.close()
        raise StartupError(str(exc)) from None
    core = Core(settings=settings, redis=handle.client, model=model)
    gateway = Gateway(core)
    try:
        await check_default_model(core)
        await check_fallbacks(core)
        yield gateway, handle
    finally:
        await gateway.close()
        await model.aclose()
        await handle.close()

"""The one assembly of a running gateway, used by the CLI, the tests and the benchmarks:
settings -> Redis -> model client -> core -> gateway -> adapters -> HTTP server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis

from bots.base import Adapter
from core.config import Settings
from core.errors import BadSetting, StartupError
from core.gateway import Gateway
from core.llm.base import ModelInfo
from core.llm.catalog_parse import not_chat
from core.llm.endpoints import EndpointsFileError
from core.llm.factory import build_model_client, endpoints_file
from core.llm.gate import check_window, window_warning
from core.llm.prices import load_price_table
from core.metrics import Metrics
from core.readiness import Readiness, probe_client
from core.redis_client import RedisHandle, connect
from core.services import Core
from core.signals import listen
from core.web import WebServer
from switchboard.lifecycle import shut_down, start_all

log = logging.getLogger(__name__)


@dataclass
class Running:
    """A gateway serving its adapters; lives as long as the `assembled` block."""

    settings: Settings
    core: Core
    gateway: Gateway
    web: WebServer
    adapters: Sequence[Adapter]
    redis_where: str


async def check_default_model(core: Core) -> None:
    """The 64K gate at start-up: a too-small default model stops the gateway with the numbers.
    Its window comes from the first endpoint that knows it (the primary may be down)."""
    settings = core.settings
    model = settings.model_name
    if not model:
        return
    why_not = not_chat(model)
    if why_not:
        raise BadSetting(f"MODEL_NAME {model} cannot chat: {why_not}. Pick a chat model (see `switchboard model`).")
    info = ModelInfo(model, await core.model.window(model))
    refusal = check_window(info, settings.min_context_tokens)
    if refusal:
        raise StartupError(f"{refusal} Set MODEL_NAME to a larger model (see `switchboard model`).")
    if info.context_window is None:
        why, detail = await core.catalog.unknown_because(model)
        # Once per endpoint and model, not at every start: the operator has read it (or set the window).
        first = await core.redis.sadd(core.keys.warned_windows(), f"{settings.model_base_url} {model}")
        log.log(logging.WARNING if first else logging.DEBUG,
                window_warning(info, settings.min_context_tokens, why, detail))


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


async def _redis(settings: Settings, given: Redis | None) -> RedisHandle:
    if given is not None:  # the caller's client (tests): used, never closed here
        return RedisHandle(given, owned=False, where="given")
    try:
        return await connect(settings.redis_url, settings.data_dir)
    except ConnectionError as exc:
        raise StartupError(str(exc)) from None


def _readiness(handle: RedisHandle, adapters: Sequence[Adapter], metrics: Metrics) -> Readiness:
    if handle.url:  # a connection of its own: a busy pool never makes the gateway look down
        return Readiness(probe_client(handle.url), adapters, metrics, owned=True)
    return Readiness(handle.client, adapters, metrics)


@asynccontextmanager
async def assembled(settings: Settings, adapters: Sequence[Adapter] = (), *,
                    redis: Redis | None = None, serve_http: bool = True) -> AsyncIterator[Running]:
    """Everything started in order; on leaving, shut down in reverse (intake, grace, connections).

    `serve_http=False` (the terminal chat): no HTTP server, no readiness probe.
    Raises StartupError (one line for the operator) when something cannot start.
    """
    handle = await _redis(settings, redis)
    metrics = Metrics()  # one registry per gateway: tests never share counts
    stop_counting = listen(metrics.on_signal)  # reliability events (adoptions, outages...) counted
    try:
        try:
            prices = load_price_table(endpoints_file(settings))
            model = build_model_client(settings, handle.client, settings.redis_prefix, metrics=metrics)
        except EndpointsFileError as exc:
            raise BadSetting(str(exc)) from None
        core = Core(settings=settings, redis=handle.client, model=model, metrics=metrics, price_table=prices)
        gateway = Gateway(core)
        web = WebServer(settings.http_host, settings.http_port, metrics=metrics)
        readiness: Readiness | None = None
        try:
            await check_default_model(core)
            await check_fallbacks(core)
            for adapter in adapters:
                core.bind(adapter)
            await start_all(adapters, gateway, web)
            for line in core.access.warnings(adapters):  # once they run: a failed start says only why
                log.warning(line)
            try:
                if serve_http:
                    readiness = _readiness(handle, adapters, metrics)
                    await readiness.start()
                    web.readiness = readiness
                    await web.start()
                gateway.start()
                yield Running(settings, core, gateway, web, adapters, handle.where)
            finally:
                await shut_down(adapters, gateway, settings.drain_seconds)
                await web.stop()
                if readiness is not None:
                    await readiness.stop()
        finally:
            await gateway.close()
            await model.aclose()
    finally:
        stop_counting()
        await handle.close()

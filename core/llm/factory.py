"""Build the model client the settings describe: a failover chain over every target."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from dotenv import dotenv_values
from httpx_aiohttp import AiohttpTransport
from redis.asyncio import Redis

from core.config import Settings
from core.llm.autodetect import AutoClient, ModeCache, wire_client
from core.llm.base import ApiMode
from core.llm.catalog import Catalog
from core.llm.endpoints import EndpointsFileError, EndpointSpec, load_endpoints
from core.llm.failover import FailoverChain
from core.llm.health import TargetHealth
from core.llm.retry import RetryPolicy
from core.llm.route import Endpoint, EndpointClient, Route
from core.metrics import Metrics

DEFAULT_CATALOG_TTL = 600
MAX_MODEL_CONNECTIONS = 10_000


def http_client(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    # Read limits are enforced per event by with_deadlines; this one is only a backstop.
    backstop = max(settings.model_first_token_timeout, settings.model_idle_timeout) + 5
    timeout = httpx.Timeout(connect=settings.model_connect_timeout, read=backstop, write=30.0, pool=30.0)
    # Every concurrent reply holds one stream open for its whole length: allow thousands.
    limits = httpx.Limits(max_connections=MAX_MODEL_CONNECTIONS, max_keepalive_connections=500)
    if transport is None and settings.model_http_transport == "aiohttp":
        # httpx stays the API; aiohttp moves the bytes (httpcore's pool bookkeeping is the
        # hot spot under many concurrent streams: see docs/benchmarks.md).
        transport = AiohttpTransport(limits=limits)
    return httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport)


def endpoint_client(
    base_url: str, api_key: str, mode: ApiMode, http: httpx.AsyncClient, cache: ModeCache, *, name: str = ""
) -> EndpointClient:
    """A fixed-mode client, or the auto-detecting one."""
    if mode == "auto":
        return AutoClient(base_url, api_key, http, cache, name=name)
    return wire_client(mode, base_url, api_key, http, name=name)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.model_retries + 1,
        max_wait=settings.model_max_retry_wait,
        cooldown=settings.model_cooldown_seconds,
        max_cooldown=settings.model_cooldown_max_seconds,
        trial_lease=settings.model_first_token_timeout + 30,  # the trial must outlive its own request
    )


def key_env(env_file: str | Path = ".env") -> Mapping[str, str]:
    """Where endpoints.toml's api_key_env names are looked up: the environment, then .env."""
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return {**from_file, **os.environ}


DEFAULT_ENDPOINTS_FILE = Path("endpoints.toml")


def endpoints_file(settings: Settings) -> Path:
    """MODEL_ENDPOINTS_FILE, which must exist when named (EndpointsFileError), else ./endpoints.toml
    (which may not exist: then there are no extra endpoints)."""
    path = settings.model_endpoints_file
    if path is None:
        return DEFAULT_ENDPOINTS_FILE
    if not path.is_file():
        raise EndpointsFileError(f"MODEL_ENDPOINTS_FILE names {path}, which does not exist")
    return path


def extra_endpoints(settings: Settings) -> list[EndpointSpec]:
    """The endpoints.toml targets (raises EndpointsFileError with a one-line reason)."""
    path = endpoints_file(settings)
    return load_endpoints(path, key_env()) if path.is_file() else []


def fallback_models(settings: Settings) -> list[str]:
    raw = settings.model_fallbacks
    return [m.strip() for m in raw.split(",") if m.strip()]


def vision_models(settings: Settings) -> tuple[str, ...]:
    """VISION_MODELS: the primary endpoint's models that read images (when it does not say)."""
    return tuple(m.strip() for m in settings.vision_models.split(",") if m.strip())


def build_chain(
    primary: EndpointSpec,
    extras: Sequence[EndpointSpec],
    redis: Redis,
    prefix: str,
    *,
    http: httpx.AsyncClient,
    policy: RetryPolicy,
    first_token_timeout: float,
    idle_timeout: float,
    catalog_ttl: int = DEFAULT_CATALOG_TTL,
    min_window: int = 0,
    metrics: Metrics | None = None,
) -> FailoverChain:
    """Routes: the requested model on `primary`, then `primary.models` (the same-endpoint
    fallbacks), then each model of each extra endpoint, in order. Targets whose window is known
    to be under `min_window` are never used."""
    cache = ModeCache(redis, prefix)
    routes: list[Route] = []
    for index, spec in enumerate((primary, *extras)):
        client = endpoint_client(spec.base_url, spec.api_key, spec.api_mode, http, cache, name=spec.name)
        catalog = Catalog(client, redis, prefix, ttl=catalog_ttl, window_override=spec.context_window,
                          vision_models=frozenset(spec.vision_models))
        endpoint = Endpoint(spec.name, client, catalog)
        if index == 0:
            routes.append(Route(endpoint, None))
        routes += [Route(endpoint, m) for m in spec.models]
    return FailoverChain(
        routes,
        TargetHealth(redis, prefix, policy),
        policy,
        first_token_timeout=first_token_timeout,
        idle_timeout=idle_timeout,
        min_window=min_window,
        metrics=metrics,
    )


def build_model_client(settings: Settings, redis: Redis, prefix: str, *,
                       metrics: Metrics | None = None) -> FailoverChain:
    """The primary endpoint and model, MODEL_FALLBACKS on it, then the endpoints.toml targets.

    Raises EndpointsFileError (a one-line reason) when endpoints.toml is malformed.
    """
    primary = EndpointSpec(
        "primary",
        settings.model_base_url,
        settings.model_api_key.get_secret_value(),
        settings.model_api_mode,
        tuple(fallback_models(settings)),
        settings.model_context_window,
        vision_models(settings),
    )
    return build_chain(
        primary,
        extra_endpoints(settings),
        redis,
        prefix,
        http=http_client(settings),
        policy=retry_policy(settings),
        first_token_timeout=settings.model_first_token_timeout,
        idle_timeout=settings.model_idle_timeout,
        catalog_ttl=settings.model_catalog_ttl,
        min_window=settings.min_context_tokens,
        metrics=metrics,
    )

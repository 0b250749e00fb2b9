"""`switchboard doctor`: check every configured target, one line per finding with its fix."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from core.config import Settings
from core.llm.catalog import learned_windows
from core.llm.endpoints import EndpointsFileError, EndpointSpec
from core.llm.factory import extra_endpoints, fallback_models
from core.llm.urls import safe_url
from switchboard.probe import EndpointProbe, Finding, problem


@dataclass(frozen=True)
class Report:
    lines: list[str]
    problems: int


async def _probe(http: httpx.AsyncClient, spec: EndpointSpec, settings: Settings, primary: bool,
                 redis: Redis | None) -> EndpointProbe:
    learned = await learned_windows(redis, settings.redis_prefix, spec.base_url) if redis is not None else {}
    names = ("MODEL_BASE_URL", "MODEL_API_KEY", "MODEL_API_MODE") if primary else \
        (f"base_url of [{spec.name}] in endpoints.toml", f"the api_key of [{spec.name}] in endpoints.toml",
         f"api_mode of [{spec.name}] in endpoints.toml")
    return EndpointProbe(http, spec.base_url, spec.api_key, spec.api_mode, url_setting=names[0],
                         key_setting=names[1], mode_setting=names[2],
                         first_token_timeout=min(settings.model_first_token_timeout, 60.0), learned=learned)


async def _check_endpoint(probe: EndpointProbe, label: str, models: list[str], minimum: int,
                          override: int | None) -> list[tuple[str, Finding]]:
    """Listing once, then every model's presence and window, then one test message."""
    subject = f"{label} {safe_url(probe.base_url)}"
    _, listing = await probe.models()
    findings: list[tuple[str, Finding]] = [(subject, listing)]
    if listing.blocking:
        return findings  # every later check would fail for the same reason
    healthy: list[str] = []
    for model in models:
        checks = await probe.check_model(model, minimum, override)
        findings += [(f"{subject} {model}", f) for f in checks]
        if not any(f.problem for f in checks):
            healthy.append(model)
    if healthy:
        findings.append((f"{subject} {healthy[0]}", await probe.test_message(healthy[0])))
    return findings


async def diagnose(settings: Settings, http: httpx.AsyncClient, redis: Redis | None = None) -> Report:
    """Check the primary endpoint (MODEL_NAME and MODEL_FALLBACKS) and each endpoints.toml entry.
    With the gateway's Redis, windows it learned from context errors count as it counts them."""
    findings: list[tuple[str, Finding]] = []
    if not settings.model_base_url:
        findings.append(("primary", problem("MODEL_BASE_URL is not set", "run `switchboard model`")))
    else:
        primary = EndpointSpec("primary", settings.model_base_url, settings.model_api_key.get_secret_value(),
                               settings.model_api_mode, ())
        models = [settings.model_name, *fallback_models(settings)]
        findings += await _check_endpoint(await _probe(http, primary, settings, True, redis), "primary", models,
                                          settings.min_context_tokens, settings.model_context_window)
    try:
        extras = extra_endpoints(settings)
    except EndpointsFileError as exc:
        findings.append(("", problem(str(exc), "fix it (see docs/model-endpoints.md)")))  # names the file once
        extras = []
    for spec in extras:
        findings += await _check_endpoint(await _probe(http, spec, settings, False, redis), f"[{spec.name}]",
                                          list(spec.models), settings.min_context_tokens, spec.context_window)
    problems = sum(f.problem for _, f in findings)
    lines = [f.line(subject) for subject, f in findings]
    lines.append("All checks passed." if not problems else f"{problems} problem(s) found.")
    return Report(lines, problems)

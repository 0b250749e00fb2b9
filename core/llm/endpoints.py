"""`endpoints.toml`: failover endpoints with their own URL, key, API mode and models.

    [[endpoint]]
    name = "openrouter"
    base_url = "https://openrouter.ai/api/v1"
    api_key_env = "OPENROUTER_API_KEY"   # or api_key = "..." (then keep the file private)
    api_mode = "auto"                    # auto | chat | responses | anthropic
    models = ["anthropic/claude-sonnet-4.5", "openai/gpt-4.1"]
    context_window = 200000              # optional: overrides what the endpoint reports
    vision_models = ["openai/gpt-4.1"]   # optional: models that read images when the endpoint does not say
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from core.llm.base import ApiMode

_MODES = ("auto", "chat", "responses", "anthropic")
_FIELDS = {"name", "base_url", "api_key", "api_key_env", "api_mode", "models", "context_window", "vision_models"}


class EndpointsFileError(ValueError):
    """A problem in endpoints.toml, phrased as the one line the operator should read."""


@dataclass(frozen=True)
class EndpointSpec:
    name: str
    base_url: str
    api_key: str
    api_mode: ApiMode
    models: tuple[str, ...]
    context_window: int | None = None
    vision_models: tuple[str, ...] = ()  # read images, whatever the endpoint's list says ("*": all)

    def __repr__(self) -> str:  # never print the key
        return f"EndpointSpec(name={self.name!r}, base_url={self.base_url!r}, models={self.models!r})"


def load_endpoints(path: Path, env: Mapping[str, str]) -> list[EndpointSpec]:
    """Parse the file; a missing file means no extra endpoints. `env` resolves api_key_env."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EndpointsFileError(f"{path}: cannot read it: {exc}") from None
    entries = data.get("endpoint", [])
    if not isinstance(entries, list):
        raise EndpointsFileError(f"{path}: write each endpoint as an [[endpoint]] table")
    specs = [_spec(path, i, entry, env) for i, entry in enumerate(entries, 1)]
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise EndpointsFileError(f"{path}: endpoint name {dupes[0]!r} is used twice")
    return specs


def _spec(path: Path, index: int, entry: Any, env: Mapping[str, str]) -> EndpointSpec:
    where = f"{path}: endpoint #{index}"
    if not isinstance(entry, dict):
        raise EndpointsFileError(f"{where}: must be a table")
    name = str(entry.get("name") or f"endpoint{index}")
    where = f"{path}: endpoint {name!r}"
    if name == "primary":
        raise EndpointsFileError(f"{where}: the name 'primary' is taken by MODEL_BASE_URL; choose another")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise EndpointsFileError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})")
    base_url = str(entry.get("base_url", "")).strip().rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise EndpointsFileError(f"{where}: base_url must start with http:// or https://")
    mode = str(entry.get("api_mode", "auto"))
    if mode not in _MODES:
        raise EndpointsFileError(f"{where}: api_mode must be one of {', '.join(_MODES)}")
    models = entry.get("models")
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, list) or not models or not all(isinstance(m, str) and m for m in models):
        raise EndpointsFileError(f'{where}: models must be a list of model ids, e.g. models = ["gpt-4o"]')
    window = entry.get("context_window")
    if window is not None and (not isinstance(window, int) or window <= 0):
        raise EndpointsFileError(f"{where}: context_window must be a positive whole number of tokens")
    vision = entry.get("vision_models", [])
    if isinstance(vision, str):
        vision = [vision]
    if not isinstance(vision, list) or not all(isinstance(m, str) and m for m in vision):
        raise EndpointsFileError(f'{where}: vision_models must be a list of model ids, e.g. vision_models = ["gpt-4o"]')
    return EndpointSpec(name, base_url, _key(where, entry, env), cast(ApiMode, mode), tuple(models), window,
                        tuple(vision))


def _key(where: str, entry: dict[str, Any], env: Mapping[str, str]) -> str:
    if "api_key_env" in entry:
        var = str(entry["api_key_env"])
        if not env.get(var):
            raise EndpointsFileError(f"{where}: api_key_env names {var}, which is not set")
        return env[var]
    return str(entry.get("api_key", ""))

"""Read model ids and context windows from the many shapes of `GET /models`."""

from __future__ import annotations

from typing import Any

from core.llm.base import ModelInfo, TokenPrices

# Where each server family puts the input window (OpenRouter, vLLM, LiteLLM, Anthropic, misc).
_WINDOW_FIELDS = (
    "context_length",
    "max_model_len",
    "max_input_tokens",
    "context_window",
    "max_context_length",
    "n_ctx",
    "num_ctx",
)


def context_window(entry: dict[str, Any]) -> int | None:
    """The first positive window field found at the top level or one level down."""
    scopes: list[dict[str, Any]] = [entry]
    nested = ("top_provider", "meta", "model_info", "metadata")
    scopes += [v for k, v in entry.items() if isinstance(v, dict) and k in nested]
    for scope in scopes:
        for name in _WINDOW_FIELDS:
            value = scope.get(name)
            if isinstance(value, (int, float)) and value > 0:
                return int(value)
            if isinstance(value, str) and value.isdigit():
                return int(value)
    return None


def _cost(value: Any) -> float | None:
    try:
        cost = float(value)
    except (TypeError, ValueError):
        return None
    return cost if 0 <= cost < 1 else None  # per token: a dollar or more is a misread field


def token_prices(entry: dict[str, Any]) -> TokenPrices | None:
    """Dollars per token: OpenRouter's `pricing` {prompt, completion}, or LiteLLM's
    `input_cost_per_token` / `output_cost_per_token` (top level or under `model_info`)."""
    pricing = entry.get("pricing")
    if isinstance(pricing, dict):
        given = _cost(pricing.get("prompt")), _cost(pricing.get("completion"))
        if given[0] is not None and given[1] is not None:
            return TokenPrices(given[0], given[1])
    info = entry.get("model_info")
    for scope in (entry, info if isinstance(info, dict) else {}):
        given = _cost(scope.get("input_cost_per_token")), _cost(scope.get("output_cost_per_token"))
        if given[0] is not None and given[1] is not None:
            return TokenPrices(given[0], given[1])
    return None


def parse_model_list(payload: Any) -> list[ModelInfo]:
    """Accept `{"data": [...]}`, `{"models": [...]}` or a bare list."""
    if isinstance(payload, dict):
        items = payload.get("data", payload.get("models", []))
    else:
        items = payload
    models: list[ModelInfo] = []
    for item in items or []:
        if isinstance(item, str):
            models.append(ModelInfo(item))
        elif isinstance(item, dict):
            ident = item.get("id") or item.get("name") or item.get("model")
            if ident:
                models.append(ModelInfo(str(ident), context_window(item), token_prices(item)))
    return models

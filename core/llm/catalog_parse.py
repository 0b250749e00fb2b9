"""Read model ids and context windows from the many shapes of `GET /models`."""

from __future__ import annotations

import re
from typing import Any

from core.llm.base import ModelInfo, TokenPrices

# Model families that cannot chat, by id, for lists that carry no metadata (OpenAI, Ollama...):
# embeddings, speech in or out, images, moderation, rerankers.
_NOT_CHAT_ID = re.compile(r"embed|(^|[/:_-])tts|whisper|transcribe|dall-e|gpt-image|moderation|rerank", re.I)
# LiteLLM's `mode` values for models that answer chat requests.
_CHAT_MODES = frozenset({"chat", "completion", "responses"})

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


def reads_images(entry: dict[str, Any]) -> bool | None:
    """Whether the listing says the model takes images: OpenRouter's
    `architecture.input_modalities` (or its older `architecture.modality`, "text+image->text"),
    LiteLLM's `supports_vision` (in `model_info` or at the top); None when it says nothing."""
    arch = entry.get("architecture")
    if isinstance(arch, dict):
        inputs = arch.get("input_modalities")
        if isinstance(inputs, list):
            return "image" in inputs
        modality = arch.get("modality")
        if isinstance(modality, str) and "->" in modality:
            return "image" in modality.split("->", 1)[0]
    for scope in (entry.get("model_info"), entry):
        if isinstance(scope, dict) and isinstance(scope.get("supports_vision"), bool):
            return bool(scope["supports_vision"])
    return None


def not_chat(model_id: str, entry: dict[str, Any] | None = None) -> str | None:
    """Why a model cannot chat (its list entry says so, or its id is a known non-chat family), else None.

    OpenRouter lists `architecture.output_modalities`; LiteLLM a `mode` (here or in `model_info`).
    """
    entry = entry or {}
    architecture = entry.get("architecture")
    outputs = architecture.get("output_modalities") if isinstance(architecture, dict) else None
    if isinstance(outputs, list) and outputs and "text" not in outputs:
        return f"it answers with {', '.join(map(str, outputs))}, not text"
    info = entry.get("model_info")
    mode = entry.get("mode") or (info.get("mode") if isinstance(info, dict) else None)
    if isinstance(mode, str) and mode and mode not in _CHAT_MODES:
        return f"it is a {mode.replace('_', ' ')} model"
    if _NOT_CHAT_ID.search(model_id):
        return "it is not a chat model (embeddings, speech, images or moderation)"
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
    """Accept `{"data": [...]}`, `{"models": [...]}` or a bare list; models that cannot chat are left out."""
    if isinstance(payload, dict):
        items = payload.get("data", payload.get("models", []))
    else:
        items = payload
    models: list[ModelInfo] = []
    for item in items or []:
        if isinstance(item, str):
            if not not_chat(item):
                models.append(ModelInfo(item))
        elif isinstance(item, dict):
            ident = item.get("id") or item.get("name") or item.get("model")
            if ident and not not_chat(str(ident), item):
                models.append(ModelInfo(str(ident), context_window(item), vision=reads_images(item),
                                        prices=token_prices(item)))
    return models

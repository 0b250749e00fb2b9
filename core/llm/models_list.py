"""List an endpoint's models with their windows, asking each server family where it tells.

OpenAI-style `/models` (OpenRouter `context_length`, vLLM `max_model_len`), then, where the
list says nothing about windows: LiteLLM `/model/info`, llama.cpp `/props`, Ollama
`/api/show`. Anthropic: the paginated `/v1/models` with `max_input_tokens`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from core.llm.base import ModelInfo
from core.llm.catalog_parse import context_window, parse_model_list, token_prices
from core.llm.errors import ModelError
from core.llm.urls import PUBLIC_HOSTS, anthropic_url, host, openai_models_url, root, split_base
from core.llm.wire import WireClient

MAX_ANTHROPIC_PAGES = 20
MAX_OLLAMA_SHOWS = 25
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.M)


async def list_openai(client: WireClient) -> list[ModelInfo]:
    models = parse_model_list(await client.fetch_json("GET", openai_models_url(client.base_url)))
    if not models or all(m.context_window for m in models) or host(client.base_url) in PUBLIC_HOSTS:
        return models
    litellm = await _quietly(_litellm_info(client))
    if litellm:
        return [_filled(m, litellm.get(m.id)) for m in models]
    for probe in (_llamacpp_windows, _ollama_windows):
        windows = await _quietly(probe(client, models))
        if windows:
            return [m if m.context_window else replace(m, context_window=windows.get(m.id)) for m in models]
    return models


async def list_anthropic(client: WireClient) -> list[ModelInfo]:
    models: list[ModelInfo] = []
    params = {"limit": "1000"}
    for _ in range(MAX_ANTHROPIC_PAGES):
        page = await client.fetch_json("GET", anthropic_url(client.base_url, "/models"), params=params)
        models += parse_model_list(page)
        if not (isinstance(page, dict) and page.get("has_more") and page.get("last_id")):
            break
        params = {"limit": "1000", "after_id": str(page["last_id"])}
    return models


async def _quietly(probe: Any) -> dict[str, Any]:
    """A metadata probe is a guess about the server: any failure just means 'not this one'."""
    try:
        result: dict[str, Any] = await probe
        return result
    except ModelError:
        return {}


def _filled(model: ModelInfo, found: ModelInfo | None) -> ModelInfo:
    """The listed model with what the probe knew and the list did not (window, prices)."""
    if found is None:
        return model
    return replace(model, context_window=model.context_window or found.context_window,
                   prices=model.prices or found.prices)


async def _litellm_info(client: WireClient) -> dict[str, ModelInfo]:
    """A LiteLLM proxy's `/model/info`: each model's window and cost per token."""
    data = await client.fetch_json("GET", split_base(client.base_url)[0] + "/model/info")
    found: dict[str, ModelInfo] = {}
    for entry in data.get("data", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("model_name"):
            name = str(entry["model_name"])
            info = ModelInfo(name, context_window(entry), token_prices(entry))
            if (info.context_window or info.prices) and name not in found:
                found[name] = info
    return found


async def llamacpp_n_ctx(client: WireClient) -> int | None:
    """The context size a llama.cpp server runs with (`/props`), or None when it is no llama.cpp."""
    data = await client.fetch_json("GET", root(client.base_url) + "/props")
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    n_ctx = data.get("n_ctx") or (settings.get("n_ctx") if isinstance(settings, dict) else None)
    return n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None


async def server_n_ctx(client: WireClient) -> int | None:
    """Ask the server which window it runs with (after a context error gave no number)."""
    if host(client.base_url) in PUBLIC_HOSTS:
        return None
    try:
        return await llamacpp_n_ctx(client)
    except ModelError:
        return None


async def _llamacpp_windows(client: WireClient, models: list[ModelInfo]) -> dict[str, int]:
    n_ctx = await llamacpp_n_ctx(client)
    return {m.id: n_ctx for m in models} if n_ctx else {}  # one llama.cpp server runs one context size


async def _ollama_windows(client: WireClient, models: list[ModelInfo]) -> dict[str, int]:
    url = root(client.base_url) + "/api/show"
    first = await client.fetch_json("POST", url, payload={"model": models[0].id})  # not Ollama: raises, probe ends

    async def show(model: str) -> tuple[str, int | None]:
        try:
            data = await client.fetch_json("POST", url, payload={"model": model})
        except ModelError:
            return model, None
        return model, ollama_num_ctx(data)

    found = {models[0].id: ollama_num_ctx(first)}
    found.update(await asyncio.gather(*(show(m.id) for m in models[1:MAX_OLLAMA_SHOWS])))
    return {k: v for k, v in found.items() if v}


def ollama_num_ctx(data: Any) -> int | None:
    """`num_ctx` from a Modelfile's parameters: the window Ollama really uses (None: its default)."""
    if not isinstance(data, dict):
        return None
    match = _NUM_CTX.search(str(data.get("parameters") or ""))
    return int(match.group(1)) if match else None

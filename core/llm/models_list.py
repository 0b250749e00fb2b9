"""List an endpoint's models with their windows (and whether they read images), asking each
server family where it tells.

OpenAI-style `/models` (OpenRouter `context_length`, vLLM `max_model_len`), then, where the
list says nothing about windows: LiteLLM `/model/info`, llama.cpp `/props`, Ollama
`/api/show`. Anthropic: the paginated `/v1/models` with `max_input_tokens`. Images: OpenRouter's
`architecture.input_modalities` in the list, LiteLLM's `supports_vision` in `/model/info`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from core.llm.base import ModelInfo
from core.llm.catalog_parse import context_window, not_chat, parse_model_list, reads_images, token_prices
from core.llm.errors import ModelError
from core.llm.urls import PUBLIC_HOSTS, anthropic_url, host, openai_models_url, root, split_base
from core.llm.wire import WireClient

MAX_ANTHROPIC_PAGES = 20
MAX_OLLAMA_SHOWS = 25
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.M)
NOT_CHAT = 0  # a probed window of 0: the server says this model cannot chat (LiteLLM's `mode`)


async def list_openai(client: WireClient) -> list[ModelInfo]:
    models = parse_model_list(await client.fetch_json("GET", openai_models_url(client.base_url)))
    if not models or all(m.context_window for m in models) or host(client.base_url) in PUBLIC_HOSTS:
        return models
    for probe in (_litellm_info, _llamacpp_windows, _ollama_windows):
        found = await _quietly(probe(client, models))
        if found:
            return [_filled(m, found.get(m.id)) for m in models if not _cannot_chat(found.get(m.id))]
    return models


def _cannot_chat(probed: ModelInfo | None) -> bool:
    return probed is not None and probed.context_window == NOT_CHAT


def _filled(listed: ModelInfo, probed: ModelInfo | None) -> ModelInfo:
    """What the list said, with the gaps filled from what the server's metadata says."""
    if probed is None:
        return listed
    return replace(listed, context_window=listed.context_window or probed.context_window,
                   vision=listed.vision if listed.vision is not None else probed.vision,
                   prices=listed.prices or probed.prices)


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


async def _quietly(probe: Any) -> dict[str, ModelInfo]:
    """A metadata probe is a guess about the server: any failure just means 'not this one'."""
    try:
        result: dict[str, ModelInfo] = await probe
        return result
    except ModelError:
        return {}


async def _litellm_info(client: WireClient, models: list[ModelInfo]) -> dict[str, ModelInfo]:
    """LiteLLM's `/model/info`: `max_input_tokens` and `supports_vision` in each `model_info`."""
    data = await client.fetch_json("GET", split_base(client.base_url)[0] + "/model/info")
    found: dict[str, ModelInfo] = {}
    for entry in data.get("data", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and entry.get("model_name"):
            name = str(entry["model_name"])
            if not_chat(name, entry):
                found[name] = ModelInfo(name, NOT_CHAT)
                continue
            info = ModelInfo(name, context_window(entry), vision=reads_images(entry), prices=token_prices(entry))
            if info.context_window or info.vision is not None or info.prices:
                found.setdefault(name, info)
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


async def _llamacpp_windows(client: WireClient, models: list[ModelInfo]) -> dict[str, ModelInfo]:
    n_ctx = await llamacpp_n_ctx(client)
    return {m.id: ModelInfo(m.id, n_ctx) for m in models} if n_ctx else {}  # one server, one context size


async def _ollama_windows(client: WireClient, models: list[ModelInfo]) -> dict[str, ModelInfo]:
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
    return {k: ModelInfo(k, v) for k, v in found.items() if v}


def ollama_num_ctx(data: Any) -> int | None:
    """`num_ctx` from a Modelfile's parameters: the window Ollama really uses (None: its default)."""
    if not isinstance(data, dict):
        return None
    match = _NUM_CTX.search(str(data.get("parameters") or ""))
    return int(match.group(1)) if match else None

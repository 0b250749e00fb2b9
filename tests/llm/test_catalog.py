"""Model lists and context windows from each server family, cached in Redis; the 64K gate."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from core.llm.anthropic import AnthropicClient
from core.llm.base import ModelInfo, TokenPrices
from core.llm.catalog import Catalog
from core.llm.chat import ChatCompletionsClient
from core.llm.gate import check_window, window_warning
from core.llm.suggest import closest
from core.llm.urls import endpoint_id
from tests.fakes.model_api import FakeModelAPI


def windows(models: list[ModelInfo]) -> dict[str, int | None]:
    return {m.id: m.context_window for m in models}


async def test_openrouter_context_length_and_pricing(http: httpx.AsyncClient) -> None:
    models = [{"id": "anthropic/claude-sonnet-4", "context_length": 200000,
               "pricing": {"prompt": "0.000003", "completion": "0.000015", "request": "0"},
               "top_provider": {"context_length": 200000, "max_completion_tokens": 64000}}]
    async with FakeModelAPI(models=models) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"anthropic/claude-sonnet-4": 200000}
    assert listed[0].prices == TokenPrices(0.000003, 0.000015)


async def test_vllm_max_model_len(http: httpx.AsyncClient) -> None:
    models = [{"id": "Qwen/Qwen3-32B", "object": "model", "owned_by": "vllm", "max_model_len": 131072}]
    async with FakeModelAPI(models=models) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"Qwen/Qwen3-32B": 131072}


async def test_litellm_model_info(http: httpx.AsyncClient) -> None:
    info = {"data": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o"},
                      "model_info": {"max_input_tokens": 128000, "max_output_tokens": 16384,
                                     "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}},
                     {"model_name": "tiny", "model_info": {"max_input_tokens": 8192}}]}
    async with FakeModelAPI(models=[{"id": "gpt-4o", "owned_by": "openai"}, {"id": "tiny"}],
                            routes={"GET /v1/model/info": info}) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"gpt-4o": 128000, "tiny": 8192}
    assert [m.prices for m in listed] == [TokenPrices(2.5e-06, 1e-05), None]


async def test_llamacpp_props_n_ctx(http: httpx.AsyncClient) -> None:
    models = [{"id": "qwen2.5-7b.gguf", "owned_by": "llamacpp", "meta": {"n_ctx_train": 131072}}]
    props = {"default_generation_settings": {"n_ctx": 32768}, "total_slots": 1}
    async with FakeModelAPI(models=models, routes={"GET /props": props}) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"qwen2.5-7b.gguf": 32768}  # the running n_ctx, not the training one


async def test_ollama_api_show_num_ctx(http: httpx.AsyncClient) -> None:
    shows = {"llama3.1:8b": {"parameters": "num_ctx                        65536\nstop \"<|eot_id|>\"",
                             "model_info": {"llama.context_length": 131072}},
             "qwen3:4b": {"parameters": "stop \"<|im_end|>\"", "model_info": {"qwen3.context_length": 40960}}}

    def show(body: Any) -> Any:
        return shows[body["model"]]

    async with FakeModelAPI(models=[{"id": "llama3.1:8b", "owned_by": "library"}, {"id": "qwen3:4b"}],
                            routes={"POST /api/show": show}) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"llama3.1:8b": 65536, "qwen3:4b": None}


async def test_plain_openai_list_has_no_windows(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=[{"id": "gpt-4o", "owned_by": "system"}]) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert windows(listed) == {"gpt-4o": None}


async def test_anthropic_paginated_list_uses_max_input_tokens(http: httpx.AsyncClient) -> None:
    models = [{"id": f"claude-{i}", "type": "model", "max_input_tokens": 200000 + i, "max_tokens": 64000}
              for i in range(5)]
    async with FakeModelAPI(modes=("anthropic",), prefix="", models=models, page_size=2, api_key="ak-123456") as api:
        listed = await AnthropicClient(api.base_url, "ak-123456", http).list_models()
    assert windows(listed) == {f"claude-{i}": 200000 + i for i in range(5)}
    pages = [r for r in api.calls if r.path == "/v1/models"]
    assert len(pages) == 3 and pages[0].headers["anthropic-version"] == "2023-06-01"


async def test_catalog_caches_in_redis_with_a_ttl(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    priced = {"id": "p", "context_length": 100000, "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    async with FakeModelAPI(models=[{"id": "m", "context_length": 100000}, priced]) as api:
        catalog = Catalog(ChatCompletionsClient(api.base_url, "", http), redis, prefix, ttl=120)
        assert await catalog.window("m") == 100000
        assert await catalog.models() == [ModelInfo("m", 100000),
                                          ModelInfo("p", 100000, prices=TokenPrices(1e-06, 2e-06))]
        assert len([r for r in api.calls if r.path == "/v1/models"]) == 1
        assert 0 < await redis.ttl(f"{prefix}llm:catalog:{endpoint_id(api.base_url)}") <= 120
        await catalog.models(refresh=True)
        assert len([r for r in api.calls if r.path == "/v1/models"]) == 2


async def test_window_precedence(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=[{"id": "listed", "context_length": 100000}, {"id": "bare"}]) as api:
        client = ChatCompletionsClient(api.base_url, "", http)
        catalog = Catalog(client, redis, prefix)
        assert await catalog.window("bare") is None
        await catalog.learn_window("bare", 70000)
        await catalog.learn_window("listed", 90000)  # the error knows better than the metadata
        assert await catalog.window("bare") == 70000
        assert await catalog.window("listed") == 90000
        assert await Catalog(client, redis, prefix, window_override=64000).window("listed") == 64000


async def test_an_unreachable_list_does_not_block_sizing(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        url = api.base_url
    catalog = Catalog(ChatCompletionsClient(url, "", http), redis, prefix)
    assert await catalog.window("anything") is None
    assert await catalog.suggest("anything") == ()


@pytest.mark.parametrize(("window", "refused"), [(8192, True), (63999, True), (64000, False), (None, False)])
def test_the_64k_gate(window: int | None, refused: bool) -> None:
    message = check_window(ModelInfo("m", window), 64000)
    assert (message is not None) is refused
    if message:
        assert f"{window:,}" in message and "64,000" in message
    assert (window_warning(ModelInfo("m", window), 64000) is not None) is (window is None)


def test_closest_ids() -> None:
    ids = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "llama3.1:8b"]
    assert closest("GPT4o", ids)[0] == "gpt-4o"
    assert closest("claude sonnet", ids)[0] == "claude-sonnet-4"
    assert closest("zzzzzz", ids) == ()


async def test_models_that_cannot_chat_are_left_out(http: httpx.AsyncClient) -> None:
    openrouter = [{"id": "openai/gpt-4o", "architecture": {"input_modalities": ["text", "image"],
                                                          "output_modalities": ["text"]}},
                  {"id": "google/gemini-2.5-flash-image", "architecture": {"output_modalities": ["image", "text"]}},
                  {"id": "black-forest-labs/flux", "architecture": {"output_modalities": ["image"]}}]
    plain = [{"id": i} for i in ("gpt-4o", "text-embedding-3-small", "gpt-image-1", "tts-1", "gpt-4o-mini-tts",
                                 "whisper-1", "gpt-4o-transcribe", "dall-e-3", "omni-moderation-latest",
                                 "nomic-embed-text", "o3")]
    info = {"data": [{"model_name": "chatty", "model_info": {"mode": "chat", "max_input_tokens": 128000}},
                     {"model_name": "vectors", "model_info": {"mode": "embedding", "max_input_tokens": 8192}},
                     {"model_name": "painter", "model_info": {"mode": "image_generation"}}]}
    async with FakeModelAPI(models=openrouter) as api:
        assert [m.id for m in await ChatCompletionsClient(api.base_url, "", http).list_models()] == [
            "openai/gpt-4o", "google/gemini-2.5-flash-image"]
    async with FakeModelAPI(models=plain) as api:
        assert [m.id for m in await ChatCompletionsClient(api.base_url, "", http).list_models()] == ["gpt-4o", "o3"]
    async with FakeModelAPI(models=[{"id": "chatty"}, {"id": "vectors"}, {"id": "painter"}],
                            routes={"GET /v1/model/info": info}) as api:
        assert windows(await ChatCompletionsClient(api.base_url, "", http).list_models()) == {"chatty": 128000}

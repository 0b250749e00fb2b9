"""Which models read images (as each server family says it, or as the operator says), and how
each API mode carries several images with the question."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from core.llm.base import ChatMessage, ImagePart, ModelInfo, ModelRequest
from core.llm.catalog import Catalog
from core.llm.chat import ChatCompletionsClient
from core.llm.endpoints import EndpointsFileError, load_endpoints
from tests.fakes.model_api import FakeModelAPI
from tests.llm.conftest import ChainMaker, answer, spec
from tests.media import jpeg, png


def vision(models: list[ModelInfo]) -> dict[str, bool | None]:
    return {m.id: m.vision for m in models}


async def test_openrouter_says_it_in_input_modalities(http: httpx.AsyncClient) -> None:
    models = [{"id": "openai/gpt-4o", "context_length": 128000,
               "architecture": {"input_modalities": ["text", "image", "file"], "output_modalities": ["text"]}},
              {"id": "deepseek/deepseek-r1", "context_length": 128000,
               "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]}},
              {"id": "old/listing", "context_length": 128000, "architecture": {"modality": "text+image->text"}},
              {"id": "plain", "context_length": 128000}]
    async with FakeModelAPI(models=models) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert vision(listed) == {"openai/gpt-4o": True, "deepseek/deepseek-r1": False, "old/listing": True,
                              "plain": None}


async def test_litellm_says_it_in_model_info(http: httpx.AsyncClient) -> None:
    info = {"data": [{"model_name": "gpt-4o", "model_info": {"max_input_tokens": 128000, "supports_vision": True}},
                     {"model_name": "qwen", "model_info": {"max_input_tokens": 131072, "supports_vision": False}}]}
    async with FakeModelAPI(models=[{"id": "gpt-4o"}, {"id": "qwen"}], routes={"GET /v1/model/info": info}) as api:
        listed = await ChatCompletionsClient(api.base_url, "", http).list_models()
    assert vision(listed) == {"gpt-4o": True, "qwen": False}
    assert listed[0].context_window == 128000


async def test_the_cached_list_keeps_it_and_vision_models_fill_in(redis: Redis, prefix: str,
                                                                  http: httpx.AsyncClient) -> None:
    models = [{"id": "seer", "context_length": 128000, "architecture": {"input_modalities": ["text", "image"]}},
              {"id": "blind", "context_length": 128000, "architecture": {"input_modalities": ["text"]}},
              {"id": "quiet", "context_length": 128000}]
    async with FakeModelAPI(models=models) as api:
        client = ChatCompletionsClient(api.base_url, "", http)
        first = Catalog(client, redis, prefix)
        assert vision(await first.models()) == {"seer": True, "blind": False, "quiet": None}
        lists = len(api.calls)
        told = Catalog(client, redis, prefix, vision_models=frozenset({"quiet", "blind"}))
        assert vision(await told.models()) == {"seer": True, "blind": True, "quiet": True}  # the operator's word
        assert (await told.vision("quiet"), await first.vision("blind"), await first.vision("absent")) == \
            (True, False, None)
        assert await Catalog(client, redis, prefix, vision_models=frozenset({"*"})).vision("absent") is True
        assert len(api.calls) == lists  # every answer came from the list cached in Redis


def test_endpoints_toml_names_vision_models(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.toml"
    path.write_text('[[endpoint]]\nname = "local"\nbase_url = "http://127.0.0.1:8000/v1"\n'
                    'models = ["qwen2.5-vl", "qwen3"]\nvision_models = ["qwen2.5-vl"]\n')
    (local,) = load_endpoints(path, {})
    assert local.vision_models == ("qwen2.5-vl",)
    path.write_text('[[endpoint]]\nname = "local"\nbase_url = "http://127.0.0.1:8000/v1"\nmodels = ["a"]\n'
                    "vision_models = [1]\n")
    with pytest.raises(EndpointsFileError, match="vision_models must be a list of model ids"):
        load_endpoints(path, {})


def _request(*images: ImagePart) -> ModelRequest:
    return ModelRequest("big-model", "Be brief.", (ChatMessage("user", "earlier"), ChatMessage("assistant", "ok"),
                                                   ChatMessage("user", "compare these", images)), 64)


@pytest.mark.parametrize("mode", ["chat", "responses", "anthropic"])
async def test_each_mode_sends_several_images_with_the_question(make_chain: ChainMaker, mode: str) -> None:
    shots = (png(), jpeg())
    parts = tuple(ImagePart(kind, base64.b64encode(data).decode()) for kind, data in
                  zip(("image/png", "image/jpeg"), shots, strict=True))
    async with FakeModelAPI() as api:
        chain = await make_chain(spec(api.base_url, mode=mode))  # type: ignore[arg-type]
        await answer(chain, _request(*parts))
    assert api.images() == [[(p.media_type, p.base64) for p in parts]]
    body = api.streams()[0].body
    turns = body.get("messages") or body.get("input")
    last = turns[-1]["content"]
    assert [t["content"] for t in turns[:-1] if t["role"] != "system"] == ["earlier", "ok"]  # history stays text
    if mode == "chat":
        assert last[0] == {"type": "text", "text": "compare these"}
    elif mode == "responses":
        assert last[0] == {"type": "input_text", "text": "compare these"}
    else:  # Anthropic reads best with the images before the question
        assert [b["type"] for b in last] == ["image", "image", "text"] and last[-1]["text"] == "compare these"

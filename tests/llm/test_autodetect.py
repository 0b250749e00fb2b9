"""The auto mode: URL rules, probing on 404/405, the per-URL cache in Redis, missing /v1."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from core.llm.autodetect import AutoClient, ModeCache
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.urls import anthropic_url, chat_url, endpoint_id, mode_from_url, safe_url, split_base
from tests.fakes.model_api import FakeModelAPI
from tests.llm.conftest import collect, request, text_of


@pytest.mark.parametrize(("url", "mode"), [
    ("https://api.anthropic.com", "anthropic"),
    ("https://api.anthropic.com/v1", "anthropic"),
    ("https://api.openai.com/v1", "responses"),
    ("https://api.deepseek.com/anthropic", "anthropic"),
    ("http://127.0.0.1:8000/anthropic/", "anthropic"),
    ("https://gw.example/v1/chat/completions", "chat"),
    ("https://gw.example/v1/responses", "responses"),
    ("https://gw.example/proxy/v1/messages", "anthropic"),
    ("https://openrouter.ai/api/v1", "chat"),
    ("http://localhost:11434/v1", "chat"),
])
def test_url_rules(url: str, mode: str) -> None:
    assert mode_from_url(url) == mode


def test_paths_hang_off_the_right_root() -> None:
    assert split_base("https://gw.example/v1/chat/completions") == ("https://gw.example/v1", "chat")
    assert chat_url("https://gw.example/v1/chat/completions") == "https://gw.example/v1/chat/completions"
    assert anthropic_url("https://api.anthropic.com", "/messages") == "https://api.anthropic.com/v1/messages"
    assert anthropic_url("https://api.anthropic.com/v1", "/messages") == "https://api.anthropic.com/v1/messages"
    assert anthropic_url("http://h/anthropic", "/models") == "http://h/anthropic/v1/models"
    assert safe_url("https://user:pw@h.example:8443/v1?key=abc") == "https://h.example:8443/v1"


async def test_probes_on_404_and_caches_the_answer_for_every_replica(
    redis: Redis, prefix: str, http: httpx.AsyncClient
) -> None:
    async with FakeModelAPI(modes=("responses",)) as api:
        replica1 = AutoClient(api.base_url, "", http, ModeCache(redis, prefix))
        assert text_of(await collect(replica1.stream(request()))) == "Hello there, friend."
        replica2 = AutoClient(api.base_url, "", http, ModeCache(redis, prefix))
        assert text_of(await collect(replica2.stream(request()))) == "Hello there, friend."
    paths = [r.path for r in api.calls if r.method == "POST"]
    assert paths == ["/v1/chat/completions", "/v1/responses", "/v1/responses"]
    assert await redis.get(f"{prefix}llm:mode:{endpoint_id(api.base_url)}") == b"responses"


async def test_405_also_triggers_a_probe(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(modes=("anthropic",), prefix="/v1",
                            routes={"POST /v1/chat/completions": (405, {"detail": "Method Not Allowed"})}) as api:
        client = AutoClient(api.base_url, "", http, ModeCache(redis, prefix))
        await collect(client.stream(request()))
        assert await client.mode() == "anthropic"


async def test_a_stale_cached_mode_is_probed_again(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(modes=("chat",)) as api:
        cache = ModeCache(redis, prefix)
        await cache.set(api.base_url, "anthropic")
        client = AutoClient(api.base_url, "", http, cache)
        assert text_of(await collect(client.stream(request()))) == "Hello there, friend."
        assert await cache.get(api.base_url) == "chat"


async def test_other_errors_do_not_probe(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(api_key="the-right-key") as api:
        client = AutoClient(api.base_url, "wrong-key-xyz", http, ModeCache(redis, prefix))
        with pytest.raises(ModelError) as info:
            await collect(client.stream(request()))
    assert info.value.kind is ModelErrorKind.AUTH
    assert len([r for r in api.calls if r.method == "POST"]) == 1


async def test_a_base_url_missing_v1_is_explained(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(modes=("chat",)) as api:
        client = AutoClient(api.root_url, "", http, ModeCache(redis, prefix))
        with pytest.raises(ModelError) as info:
            await collect(client.stream(request()))
        with pytest.raises(ModelError) as listing:
            await client.list_models()
    assert info.value.kind is ModelErrorKind.NO_ROUTE
    assert f"set MODEL_BASE_URL={api.root_url}/v1" in info.value.detail
    assert f"MODEL_BASE_URL={api.root_url}/v1" in listing.value.detail
    assert "doctor" in info.value.user_message()


async def test_nothing_speaks_any_api(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(modes=(), prefix="/v1") as api:
        client = AutoClient(api.base_url, "", http, ModeCache(redis, prefix))
        with pytest.raises(ModelError) as info:
            await collect(client.stream(request()))
    assert info.value.kind is ModelErrorKind.NO_ROUTE
    assert "no chat, responses or anthropic API answered" in info.value.detail
    assert await ModeCache(redis, prefix).get(api.base_url) is None

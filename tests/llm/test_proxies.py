"""Endpoints as they really behave: a LiteLLM proxy's forwarded waits and key refusals,
llama.cpp's empty stream for a prompt over its window, catalogs that belong to their endpoint,
fallbacks that pass the window gate."""

from __future__ import annotations

import time

import httpx
import pytest
from redis.asyncio import Redis

from core.llm.base import ChatMessage, ModelRequest
from core.llm.catalog import Catalog
from core.llm.chat import ChatCompletionsClient
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import classify_message, retry_after_seconds
from core.llm.urls import endpoint_id
from tests.fakes.model_api import FakeModelAPI, Step
from tests.fakes.model_server import FakeModelServer
from tests.llm.conftest import FAST, ChainMaker, answer, request, spec, text_of

SLOW_DOWN = {"error": {"message": "litellm.RateLimitError: upstream rate limited", "type": "throttling_error",
                       "code": "429"}}


def long_request(model: str, tokens: int) -> ModelRequest:
    return ModelRequest(model, "", (ChatMessage("user", "w" * tokens * 4),), max_tokens=64)


@pytest.mark.parametrize("headers", [{"llm_provider-retry-after": "90"}, {"llm_provider-retry-after-ms": "90000"}])
async def test_a_proxys_forwarded_wait_is_one_request_and_the_real_number(
    make_chain: ChainMaker, headers: dict[str, str]
) -> None:
    async with FakeModelAPI() as proxy:
        proxy.script(Step(status=429, json=SLOW_DOWN, headers=headers))
        chain = await make_chain(spec(proxy.base_url))
        with pytest.raises(ModelError) as info:
            await answer(chain)
    assert len(proxy.streams()) == 1  # a wait longer than MODEL_MAX_RETRY_WAIT is not sat through
    assert info.value.kind is ModelErrorKind.RATE_LIMITED
    assert "Try again in about 90 s" in info.value.user_message()


async def test_a_proxys_wait_moves_on_to_another_target(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as proxy, FakeModelAPI(reply="From the other one.") as other:
        proxy.script(Step(status=429, json=SLOW_DOWN, headers={"llm_provider-retry-after": "90"}))
        chain = await make_chain(spec(proxy.base_url), spec(other.base_url, name="other", models=("big-model",)))
        assert text_of(await answer(chain)) == "From the other one."
    assert len(proxy.streams()) == 1


def test_rate_limit_reset_headers() -> None:
    openai = httpx.Headers({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m30s",
                            "x-ratelimit-remaining-tokens": "5000", "x-ratelimit-reset-tokens": "6m0s"})
    assert retry_after_seconds(openai, rate_limited=True) == 90.0  # the exhausted limit's reset
    assert retry_after_seconds(openai) is None  # only a 429 means "wait for the reset"
    forwarded = httpx.Headers({"llm_provider-x-ratelimit-reset-tokens": "250ms"})
    assert retry_after_seconds(forwarded, rate_limited=True) == 0.25
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
    anthropic = httpx.Headers({"anthropic-ratelimit-requests-remaining": "0",
                               "anthropic-ratelimit-requests-reset": soon})
    assert 100 < (retry_after_seconds(anthropic, rate_limited=True) or 0) <= 121
    both = httpx.Headers({"retry-after": "7", "llm_provider-retry-after": "90"})
    assert retry_after_seconds(both) == 7.0  # the proxy's own word first


@pytest.mark.parametrize(("text", "status"), [
    ("no_db_connection No connected db.", 400),
    ("auth_error Authentication Error, No api key passed in.", 500),
    ("token_not_found_in_db Authentication Error, Invalid proxy server token passed.", 401),
])
def test_litellm_key_refusals_are_about_the_key(text: str, status: int) -> None:
    assert classify_message(text, status) is ModelErrorKind.AUTH


@pytest.mark.parametrize(("key", "status"), [("wrong-key-1", 400), ("", 500)])
async def test_litellm_without_a_database_refuses_the_key(make_chain: ChainMaker, key: str, status: int) -> None:
    async with FakeModelAPI(api_key="master-key-1", no_db=True) as proxy:
        chain = await make_chain(spec(proxy.base_url, key=key))
        with pytest.raises(ModelError) as info:
            await answer(chain)
        with pytest.raises(ModelError) as again:  # not cooled down: the key, not the endpoint, is wrong
            await answer(chain)
    assert info.value.kind is ModelErrorKind.AUTH and info.value.status == status
    assert "rejected the key" in info.value.user_message()
    assert again.value.kind is ModelErrorKind.AUTH and len(proxy.streams()) == 2


@pytest.mark.parametrize("overflow", ["error-line", "empty"])
async def test_llamacpp_empty_stream_teaches_the_window_without_a_cooldown(
    make_chain: ChainMaker, redis: Redis, prefix: str, overflow: str
) -> None:
    async with FakeModelServer(models=[{"id": "local"}], n_ctx=4096, overflow=overflow) as server:  # type: ignore[arg-type]
        chain = await make_chain(spec(server.base_url))
        with pytest.raises(ModelError) as info:
            await answer(chain, long_request("local", 5000))
        assert info.value.kind is ModelErrorKind.CONTEXT and info.value.context_window == 4096
        assert await chain.catalog.window("local") == 4096  # learned: the next prompt is fitted to it
        assert text_of(await answer(chain, request(model="local", text="Say hi."))) == "You said: Say hi."
    streamed = [r.body.get("stream") for r in server.chat_requests()]
    assert streamed == [True, False, True]  # one streamed try, one unstreamed probe, then the next user
    assert [k async for k in redis.scan_iter(match=f"{prefix}llm:cooldown:*")] == []


async def test_llamacpp_props_tell_the_window_when_the_error_does_not(make_chain: ChainMaker) -> None:
    async with FakeModelServer(models=[{"id": "local"}], n_ctx=4096, props=True, numbers=False) as server:
        chain = await make_chain(spec(server.base_url))
        with pytest.raises(ModelError) as info:
            await answer(chain, long_request("local", 5000))
        assert info.value.kind is ModelErrorKind.CONTEXT
        assert await chain.catalog.window("local") == 4096
    assert any(r.path == "/props" for r in server.calls)


async def test_an_empty_stream_that_answers_unstreamed_is_an_answer(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(events=[b"data: [DONE]\n\n"]))
        chain = await make_chain(spec(api.base_url))
        events = await answer(chain)
    assert text_of(events) == "Hello there, friend."
    assert [r.body["stream"] for r in api.streams()] == [True, False]


async def test_catalogs_and_learned_windows_belong_to_their_endpoint(
    redis: Redis, prefix: str, http: httpx.AsyncClient
) -> None:
    async with (FakeModelAPI(models=[{"id": "old-model", "context_length": 131072}]) as old,
                FakeModelAPI(models=[{"id": "new-model", "context_length": 200000}]) as new):
        before = Catalog(ChatCompletionsClient(old.base_url, "", http), redis, prefix)
        assert [m.id for m in await before.models()] == ["old-model"]
        await before.learn_window("shared-name", 65536)
        after = Catalog(ChatCompletionsClient(new.base_url, "", http), redis, prefix)
        assert [m.id for m in await after.models()] == ["new-model"]  # at once: not the old list
        assert await after.window("shared-name") is None
    keys = {k.decode() async for k in redis.scan_iter(match=f"{prefix}*")}
    assert f"{prefix}llm:catalog:{endpoint_id(old.base_url)}" in keys
    assert f"{prefix}llm:learned_window:{endpoint_id(old.base_url)}" in keys


async def test_learned_window_shows_in_the_list(redis: Redis, prefix: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=[{"id": "local", "context_length": 131072}]) as api:
        catalog = Catalog(ChatCompletionsClient(api.base_url, "", http), redis, prefix)
        await catalog.learn_window("local", 65536)
        assert [(m.id, m.context_window) for m in await catalog.models()] == [("local", 65536)]
        assert [(m.id, m.context_window) for m in await catalog.listed()] == [("local", 131072)]


async def test_a_fallback_under_the_minimum_is_never_called(make_chain: ChainMaker) -> None:
    models = [{"id": "big-model", "context_length": 128000}, {"id": "small-model", "context_length": 32000}]
    async with FakeModelAPI(models=models) as api, FakeModelAPI(reply="Roomy.") as other:
        api.script(*[Step(status=503, json={})] * 3)
        chain = await make_chain(spec(api.base_url, models=("small-model",)),
                                 spec(other.base_url, name="other", models=("big-model",)), min_window=64000)
        assert text_of(await answer(chain)) == "Roomy."
    assert [r.body["model"] for r in api.streams()] == ["big-model"] * 3


async def test_suggestions_put_usable_models_first(make_chain: ChainMaker) -> None:
    models = [{"id": "gpt-4o-mini", "context_length": 8192}, {"id": "gpt-4o", "context_length": 128000},
              {"id": "gpt-4", "context_length": 8192}]
    async with FakeModelAPI(models=models) as api:
        chain = await make_chain(spec(api.base_url), min_window=64000)
        with pytest.raises(ModelError) as info:
            await answer(chain, request(model="gpt4-mini"))
    assert info.value.suggestions[0] == "gpt-4o"


def test_fast_policy_keeps_the_default_wait_cap() -> None:
    assert FAST.max_wait < 90  # the proxy tests rely on a 90 s wait being too long to sit through

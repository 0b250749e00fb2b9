"""The whole core against model servers that behave as real ones do: llama.cpp's empty stream
for a prompt over its window, a base URL changed on the same Redis, learned windows, answers
cut at the token limit, and the start-up gate over every target."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.reply.stream import LENGTH_LIMIT_NOTE
from switchboard.assembly import assembled
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


@asynccontextmanager
async def running(settings: Settings, redis: Redis, platform: MemoryPlatform) -> AsyncIterator[Gateway]:
    async with assembled(settings, redis=redis) as started:
        started.core.bind(platform)
        yield started.gateway


async def say(gateway: Gateway, text: str, user: str = "alice") -> None:
    await gateway.handle(inbound(text, user=user))
    await gateway.join()


def llamacpp(**kw: object) -> FakeModelServer:
    """A llama.cpp server running 4,096 tokens behind a list (a proxy's) that states 8,192."""
    return FakeModelServer(models=[{"id": "local", "context_length": 8192}], n_ctx=4096, **kw)  # type: ignore[arg-type]


def small_model_settings(make_settings: Callable[..., Settings], url: str) -> Settings:
    # A small local model: the operator lowered the minimum, as one does for a 4K llama.cpp.
    return make_settings(model_base_url=url, model_name="local", min_context_tokens=2000,
                         max_input_chars=40000, reply_reserve_tokens=1000)


async def test_an_oversized_prompt_to_an_empty_stream_is_too_long_and_the_next_user_is_answered(
    make_settings: Callable[..., Settings], redis: Redis, prefix: str, platform: MemoryPlatform
) -> None:
    async with llamacpp() as server:
        async with running(small_model_settings(make_settings, server.base_url), redis, platform) as gateway:
            await say(gateway, "w" * 20000)  # about 5,000 tokens: fits the listed 8K, not the real 4K
            await say(gateway, "Say hi.", user="bob")
    [notice] = [n.text for n in platform.notices]
    assert notice.startswith("Your message is too long for local: about 5,0")
    assert "takes 4,096 in all" in notice
    assert platform.final_texts("chat-bob") == ["You said: Say hi."]
    assert [r.body["stream"] for r in server.chat_requests()] == [True, False, True]  # no retry storm
    assert [k async for k in redis.scan_iter(match=f"{prefix}llm:cooldown:*")] == []


async def test_a_conversation_over_the_real_window_is_trimmed_and_answered(
    make_settings: Callable[..., Settings], redis: Redis, platform: MemoryPlatform
) -> None:
    async with llamacpp(overflow="empty") as server:
        async with running(small_model_settings(make_settings, server.base_url), redis, platform) as gateway:
            await say(gateway, "first " + "a" * 6000)
            await say(gateway, "second " + "b" * 6000)  # with the first exchange: over 4,096
    replies = [t for t in platform.final_texts("chat-alice") if t.startswith("You said: ")]
    assert [t[:16] for t in replies] == ["You said: first ", "You said: second"]
    retried = server.chat_requests()[-1].body
    assert [m["content"][:6] for m in retried["messages"] if m["role"] != "system"] == ["second"]
    assert platform.notices == []


async def test_switching_the_base_url_lists_the_new_endpoints_models(
    make_settings: Callable[..., Settings], redis: Redis, platform: MemoryPlatform
) -> None:
    async with (FakeModelServer(models=[{"id": "old-model", "context_length": 131072}]) as old,
                FakeModelServer(models=[{"id": "new-model", "context_length": 200000}]) as new):
        async with running(make_settings(model_base_url=old.base_url, model_name="old-model"), redis,
                           platform) as gateway:
            await say(gateway, "/model")
        async with running(make_settings(model_base_url=new.base_url, model_name="new-model"), redis,
                           platform) as gateway:
            await say(gateway, "/model")
            await say(gateway, "/model new-model")
    assert "old-model" in platform.notices[0].text
    assert "new-model (200K)" in platform.notices[1].text and "old-model" not in platform.notices[1].text
    assert platform.notices[2].text == "Model switched to new-model."


async def test_model_shows_the_learned_window(gateway: Gateway, platform: MemoryPlatform) -> None:
    await gateway.core.catalog.learn_window("fake-large", 65536)
    await say(gateway, "/model")
    assert "fake-large (65K) ← current" in platform.notices[0].text


async def test_model_suggests_usable_models_first(gateway: Gateway, platform: MemoryPlatform) -> None:
    await say(gateway, "/model fake-smal")
    text = platform.notices[0].text
    assert text.startswith("Unknown model 'fake-smal'. Did you mean fake-")
    assert not text.startswith("Unknown model 'fake-smal'. Did you mean fake-small")


async def test_a_reply_cut_at_the_token_limit_says_so(gateway: Gateway, platform: MemoryPlatform,
                                                      model_server: FakeModelServer) -> None:
    model_server.finish_reason = "length"
    await say(gateway, "tell me everything")
    await say(gateway, "go on")
    first = platform.final_texts("chat-alice")[0]
    assert first == "You said: tell me everything" + LENGTH_LIMIT_NOTE
    stored = model_server.chat_requests()[1].body["messages"]
    assert stored[-2] == {"role": "assistant", "content": "You said: tell me everything"}  # the note is not history


async def test_a_fallback_under_the_minimum_stops_start_up_with_the_numbers(
    make_settings: Callable[..., Settings]
) -> None:
    with pytest.raises(StartupError) as info:
        async with assembled(make_settings(model_fallbacks="fake-small")):
            pass
    message = str(info.value)
    assert message.startswith("Fallback fake-small in MODEL_FALLBACKS: fake-small has a context window of 8,192")
    assert "64,000-token minimum" in message


async def test_start_up_reads_the_window_from_a_fallback_when_the_primary_is_down(
    make_settings: Callable[..., Settings], model_server: FakeModelServer, tmp_path: Path
) -> None:
    endpoints = tmp_path / "endpoints.toml"
    endpoints.write_text(f'[[endpoint]]\nname = "backup"\nbase_url = "{model_server.base_url}"\n'
                         'models = ["fake-small"]\n')
    settings = make_settings(model_base_url="http://127.0.0.1:9/v1", model_name="fake-small",
                             model_endpoints_file=endpoints)
    with pytest.raises(StartupError, match="fake-small has a context window of 8,192 tokens"):
        async with assembled(settings):
            pass


async def test_start_up_says_why_a_window_is_unknown(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="switchboard.assembly")
    async with assembled(make_settings(model_base_url="http://127.0.0.1:9/v1")):
        pass
    [warning] = [r.getMessage() for r in caplog.records if r.name == "switchboard.assembly"]
    assert warning.startswith("The endpoint's models could not be listed (")
    assert "does not say" not in warning


async def test_a_first_message_over_a_learned_window_is_too_long_not_a_long_conversation(
    make_settings: Callable[..., Settings], redis: Redis, platform: MemoryPlatform, model_server: FakeModelServer
) -> None:
    async with running(make_settings(max_input_chars=300000), redis, platform) as gateway:
        await gateway.core.catalog.learn_window("fake-large", 65536)
        await say(gateway, "w" * 250000)
    [notice] = [n.text for n in platform.notices]
    assert notice == ("Your message is too long for fake-large: about 62,504 tokens, and the model takes 65,536 "
                      "in all, its answer included. Please shorten it.")
    assert model_server.chat_requests() == []

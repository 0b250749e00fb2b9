"""Fixtures for the model-client tests: fast retry policies and chains over local fakes.

`redis` and `prefix` come from tests/conftest.py: a real Redis (REDIS_URL, else an embedded
one), a unique key prefix per test whose keys are deleted afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from core.llm.base import ApiMode, ChatMessage, ModelClient, ModelEvent, ModelRequest, TextDelta
from core.llm.endpoints import EndpointSpec
from core.llm.factory import build_chain
from core.llm.failover import FailoverChain
from core.llm.retry import RetryPolicy

# Tiny delays keep tests fast; nothing asserts on timing.
FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.004, max_wait=0.5, cooldown=30.0, max_cooldown=60.0)


def request(model: str = "big-model", text: str = "hi there", system: str = "Be brief.") -> ModelRequest:
    return ModelRequest(model=model, system=system, messages=(ChatMessage("user", text),), max_tokens=64)


def spec(base_url: str, *, name: str = "primary", key: str = "", mode: ApiMode = "chat",
         models: tuple[str, ...] = (), window: int | None = None) -> EndpointSpec:
    return EndpointSpec(name, base_url, key, mode, models, window)


async def collect(events: AsyncIterator[ModelEvent]) -> list[ModelEvent]:
    return [e async for e in events]


def text_of(events: list[ModelEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def answer(client: ModelClient, req: ModelRequest | None = None) -> list[ModelEvent]:
    return await collect(client.stream(req or request()))


ChainMaker = Callable[..., Awaitable[FailoverChain]]


@pytest.fixture
async def make_chain(redis: Redis, prefix: str) -> AsyncIterator[ChainMaker]:
    """Build chains over the given endpoint specs; all are closed after the test."""
    made: list[FailoverChain] = []

    async def make(primary: EndpointSpec, *extras: EndpointSpec, policy: RetryPolicy = FAST,
                   first_token: float = 5.0, idle: float = 5.0, **kw: Any) -> FailoverChain:
        chain = build_chain(primary, extras, redis, prefix, http=httpx.AsyncClient(timeout=10.0), policy=policy,
                            first_token_timeout=first_token, idle_timeout=idle, **kw)
        made.append(chain)
        return chain

    yield make
    for chain in made:
        await chain.aclose()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client

"""Stopping a reply closes the HTTP stream at once; slow endpoints time out."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.llm.base import ModelEvent, TextDelta
from core.llm.chat import ChatCompletionsClient
from core.llm.deadlines import with_deadlines
from core.llm.errors import ModelError, ModelErrorKind
from tests.fakes.model_api import FakeModelAPI, Step
from tests.llm.conftest import ChainMaker, request, spec, text_of

GUARD = 5.0  # upper bound for waiting on an event that must happen; never reached when correct


async def test_aclose_after_first_token_disconnects(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=1, then="hang"))
        chain = await make_chain(spec(api.base_url))
        events = chain.stream(request())
        first = await anext(events)
        while not isinstance(first, TextDelta):
            first = await anext(events)
        await events.aclose()  # what the pipeline does on /stop
        await api.wait_for(lambda: api.disconnects, GUARD, what="the client to hang up")
    assert api.disconnects == 1


async def test_cancelling_the_consumer_task_disconnects(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=1, then="hang"))
        chain = await make_chain(spec(api.base_url))
        got_text = asyncio.Event()

        async def consume() -> None:
            async for event in chain.stream(request()):
                if isinstance(event, TextDelta):
                    got_text.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(got_text.wait(), GUARD)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await api.wait_for(lambda: api.disconnects, GUARD, what="the client to hang up")


async def test_first_token_timeout_closes_the_stream(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=0, then="hang"))
        client = ChatCompletionsClient(api.base_url, "", http)
        with pytest.raises(ModelError) as info:
            async for _ in with_deadlines(client.stream(request()), first_token=0.2, idle=5.0):
                pass
        await api.wait_for(lambda: api.disconnects, GUARD, what="the client to hang up")
    assert info.value.kind is ModelErrorKind.TIMEOUT and "first token" in info.value.detail


async def test_idle_timeout_between_chunks(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=2, then="hang"))
        client = ChatCompletionsClient(api.base_url, "", http)
        seen: list[ModelEvent] = []
        with pytest.raises(ModelError) as info:
            async for event in with_deadlines(client.stream(request()), first_token=5.0, idle=0.2):
                seen.append(event)
        await api.wait_for(lambda: api.disconnects, GUARD, what="the client to hang up")
    assert text_of(seen) == "Hello there, "
    assert info.value.kind is ModelErrorKind.TIMEOUT and "new chunk" in info.value.detail


async def test_stalled_primary_fails_over_after_first_token_timeout(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as slow, FakeModelAPI(reply="Backup answer.") as backup:
        slow.script(*[Step(after_text=0, then="hang")] * 3)
        chain = await make_chain(spec(slow.base_url), spec(backup.base_url, name="b", models=("big-model",)),
                                 first_token=0.2)
        events = [e async for e in chain.stream(request())]
    assert text_of(events) == "Backup answer."
    assert slow.disconnects == 1  # hung up on, and not waited for again while a backup is left

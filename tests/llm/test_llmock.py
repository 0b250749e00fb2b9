"""Against a third-party mock LLM server (llmock, run as its own process), so the client is
not only agreeing with our own fakes. Faults are scripted with its `POST /_llmock/scenario`
API and checked in its request log and resilience verdict."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.llm.base import Finished, Restarted
from core.llm.errors import ModelError, ModelErrorKind
from tests.llm.conftest import ChainMaker, answer, request, spec, text_of

LLMOCK = Path(sys.executable).with_name("llmock")
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@pytest.fixture(scope="session")
def llmock_url() -> Iterator[str]:
    """One llmock process for the session, on a port the OS picks (read from its log)."""
    if not LLMOCK.exists():
        pytest.skip("llmock is not installed (pip install -e '.[dev]')")
    proc = subprocess.Popen(
        [str(LLMOCK), "serve", "--host", "127.0.0.1", "--port", "0", "--response-style", "echo",
         "--tool-mode", "off", "--log-level", "info"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    url = None
    for line in proc.stderr:  # blocks until llmock says where it listens (or exits)
        match = _LISTENING.search(line)
        if match:
            url = match.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail("llmock did not start")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


@pytest.fixture
async def llmock(llmock_url: str) -> AsyncIterator[LLMock]:
    async with httpx.AsyncClient(base_url=llmock_url, timeout=10.0) as admin:
        mock = LLMock(llmock_url, admin)
        await mock.reset()
        yield mock


class LLMock:
    """The bits of llmock's control API the tests use."""

    def __init__(self, url: str, admin: httpx.AsyncClient) -> None:
        self.url = url
        self._admin = admin

    async def reset(self) -> None:
        (await self._admin.post("/_llmock/reset")).raise_for_status()

    async def scenario(self, *behaviors: dict[str, Any]) -> None:
        (await self._admin.post("/_llmock/scenario", json={"behaviors": list(behaviors)})).raise_for_status()

    async def requests(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = (await self._admin.get("/_llmock/requests")).json()["requests"]
        return records

    async def verdict(self) -> dict[str, Any]:
        result: dict[str, Any] = (await self._admin.get("/_llmock/verdict")).json()
        return result


@pytest.mark.parametrize(("path", "mode"), [("/v1", "chat"), ("/v1", "responses"), ("/anthropic", "anthropic")])
async def test_every_mode_streams_from_llmock(llmock: LLMock, make_chain: ChainMaker, path: str, mode: str) -> None:
    chain = await make_chain(spec(llmock.url + path, mode=mode))  # type: ignore[arg-type]
    events = await answer(chain, request(model="gpt-4o" if mode != "anthropic" else "claude-sonnet-4-6"))
    assert "hi there" in text_of(events)
    assert isinstance(events[-1], Finished)
    assert (await llmock.requests())[0]["stream"] is True


@pytest.mark.parametrize(("path", "wanted"),
                         [("/v1", "/v1/chat/completions"), ("/anthropic", "/anthropic/v1/messages")])
async def test_auto_mode_picks_the_api_from_the_url(
    llmock: LLMock, make_chain: ChainMaker, path: str, wanted: str
) -> None:
    chain = await make_chain(spec(llmock.url + path, mode="auto"))
    await answer(chain, request(model="gpt-4o"))
    assert [r["path"] for r in await llmock.requests()] == [wanted]


async def test_rate_limits_are_retried_after_the_wait_llmock_asked_for(
    llmock: LLMock, make_chain: ChainMaker
) -> None:
    await llmock.scenario({"type": "fail", "status": 429, "retry_after": 0.05, "times": 2})
    chain = await make_chain(spec(llmock.url + "/v1"))
    events = await answer(chain, request(model="gpt-4o"))
    assert "hi there" in text_of(events)
    assert [r["status"] for r in await llmock.requests()] == [429, 429, 200]
    verdict = await llmock.verdict()
    assert verdict["passed"], verdict  # llmock judges: Retry-After honoured, no storm


async def test_overloaded_anthropic_fails_over_to_the_openai_path(llmock: LLMock, make_chain: ChainMaker) -> None:
    await llmock.scenario({"type": "fail", "status": 529, "retry_after": 0.01, "times": None,
                           "match": {"provider": "anthropic"}})
    chain = await make_chain(spec(llmock.url + "/anthropic", mode="anthropic"),
                             spec(llmock.url + "/v1", name="openai", models=("gpt-4o",)))
    events = await answer(chain, request(model="claude-sonnet-4-6"))
    assert "hi there" in text_of(events)
    assert not any(isinstance(e, Restarted) for e in events)
    paths = [(r["path"], r["status"]) for r in await llmock.requests()]
    assert paths == [("/anthropic/v1/messages", 529)] * 3 + [("/v1/chat/completions", 200)]


async def test_a_rejected_key_is_not_retried(llmock: LLMock, make_chain: ChainMaker) -> None:
    await llmock.scenario({"type": "fail", "status": 401, "match": {"model": "gpt-4o"}})
    chain = await make_chain(spec(llmock.url + "/v1", models=("gpt-4o-mini",)))
    events = await answer(chain, request(model="gpt-4o"))
    assert "hi there" in text_of(events)
    assert [(r["model"], r["status"]) for r in await llmock.requests()] == [("gpt-4o", 401), ("gpt-4o-mini", 200)]
    assert (await llmock.verdict())["passed"]


async def test_context_overflow_is_a_context_error(llmock: LLMock, make_chain: ChainMaker) -> None:
    await llmock.scenario({"type": "fail", "status": 400, "code": "context_length_exceeded",
                           "message": "This model's maximum context length is 8000 tokens."})
    chain = await make_chain(spec(llmock.url + "/v1"))
    with pytest.raises(ModelError) as info:
        await answer(chain, request(model="gpt-4o"))
    assert info.value.kind is ModelErrorKind.CONTEXT and info.value.context_window == 8000
    assert await chain.catalog.window("gpt-4o") == 8000  # learned from the error
    assert [r["path"] for r in await llmock.requests() if r["stream"]] == ["/v1/chat/completions"]


async def test_model_not_found_suggests_from_llmocks_list(llmock: LLMock, make_chain: ChainMaker) -> None:
    await llmock.scenario({"type": "fail", "status": 404, "code": "model_not_found",
                           "message": "The model `gpt-4-turbo-preveiw` does not exist."})
    chain = await make_chain(spec(llmock.url + "/v1"))
    with pytest.raises(ModelError) as info:
        await answer(chain, request(model="gpt-4-turbo-preveiw"))
    assert info.value.kind is ModelErrorKind.NOT_FOUND
    assert info.value.suggestions[0] == "gpt-4-turbo"


@pytest.mark.parametrize("kind", ["disconnect", "truncate", "malformed"])
async def test_broken_streams_end_in_one_whole_answer(llmock: LLMock, make_chain: ChainMaker, kind: str) -> None:
    await llmock.scenario({"type": "stream_fault", "kind": kind, "after_chunks": 3})
    chain = await make_chain(spec(llmock.url + "/v1"))
    events = await answer(chain, request(model="gpt-4o"))
    marks = [i for i, e in enumerate(events) if isinstance(e, Restarted)]
    final = events[marks[-1] + 1:] if marks else events
    assert text_of(final) == text_of(await answer(chain, request(model="gpt-4o")))  # same as a clean run
    assert sum(isinstance(e, Finished) for e in events) == 1
    records = await llmock.requests()
    assert records[0]["fault"].startswith(f"stream:{kind}") and records[1]["completed"]


async def test_a_stalled_stream_is_hung_up_on(llmock: LLMock, make_chain: ChainMaker) -> None:
    await llmock.scenario({"type": "stream_fault", "kind": "stall", "after_chunks": 2, "stall_seconds": 30})
    chain = await make_chain(spec(llmock.url + "/v1"), idle=0.3)
    events = await answer(chain, request(model="gpt-4o"))
    assert "hi there" in text_of(events)
    stalled = (await llmock.requests())[0]
    assert stalled["fault"].startswith("stream:stall") and stalled["stall_waited"] < 30

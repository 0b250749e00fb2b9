"""`switchboard doctor`'s checks: one line per problem, each with its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from core.config import Settings
from core.llm.catalog import learned_key
from switchboard.doctor import Report, diagnose
from tests.fakes.model_api import FakeModelAPI

MODELS = [{"id": "big-model", "context_length": 128000}, {"id": "tiny-model", "context_length": 8192}]


def settings(**values: Any) -> Settings:
    values.setdefault("model_name", "big-model")
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def run(http: httpx.AsyncClient, **values: Any) -> Report:
    return await diagnose(settings(**values), http)


def problems(report: Report) -> list[str]:
    return [line for line in report.lines if line.startswith("✗")]


async def test_healthy_endpoint(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, api_key="key-123456") as api:
        report = await run(http, model_base_url=api.base_url, model_api_key="key-123456")
    assert report.problems == 0, report.lines
    assert any("context window 128K" in line for line in report.lines)
    assert any("test message answered" in line and "chat API" in line for line in report.lines)
    assert report.lines[-1] == "All checks passed."


async def test_missing_v1(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS) as api:
        report = await run(http, model_base_url=api.root_url)
    assert problems(report) == [
        f"✗ primary {api.root_url}: {api.root_url} lacks /v1: nothing answers there, but {api.base_url} does"
        f" → set MODEL_BASE_URL={api.base_url}"]


async def test_model_not_found_names_close_ids(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS) as api:
        report = await run(http, model_base_url=api.base_url, model_name="big-modle")
    assert len(problems(report)) == 1
    assert "model 'big-modle' not found" in problems(report)[0] and "use one of: big-model" in problems(report)[0]


async def test_invalid_key(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, api_key="right-key-1") as api:
        report = await run(http, model_base_url=api.base_url, model_api_key="wrong-key-1")
    assert len(problems(report)) == 1
    assert "rejected the key (HTTP 401) → set MODEL_API_KEY to a valid key" in problems(report)[0]
    assert all("wrong-key-1" not in line for line in report.lines)


async def test_window_under_the_minimum(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS) as api:
        report = await run(http, model_base_url=api.base_url, model_name="tiny-model")
    assert len(problems(report)) == 1
    assert "8,192 tokens" in problems(report)[0] and "64,000" in problems(report)[0]
    assert "pick a larger model (big-model)" in problems(report)[0]


async def test_unreachable(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        url = api.base_url
    report = await run(http, model_base_url=url)
    assert len(problems(report)) == 1 and "endpoint unreachable" in problems(report)[0]
    assert "fix the host and port in MODEL_BASE_URL" in problems(report)[0]


@pytest.mark.parametrize("mode", ["responses", "anthropic"])
async def test_wrong_api_mode(http: httpx.AsyncClient, mode: str) -> None:
    # With a key, the anthropic mode's x-api-key header is refused: the key is right, the mode is not.
    async with FakeModelAPI(models=MODELS, modes=("chat",), api_key="key-1234567") as api:
        report = await run(http, model_base_url=api.base_url, model_api_mode=mode, model_api_key="key-1234567")
    assert len(problems(report)) == 1, report.lines
    assert f"MODEL_API_MODE={mode}, but the endpoint speaks the chat API → set MODEL_API_MODE=chat" in \
        problems(report)[0]


async def test_not_configured(http: httpx.AsyncClient) -> None:
    report = await run(http, model_base_url="")
    assert problems(report) == ["✗ primary: MODEL_BASE_URL is not set → run `switchboard model`"]


async def test_endpoints_file_targets_are_checked(
    http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeModelAPI(models=MODELS) as primary, FakeModelAPI(models=MODELS, api_key="good-key-9") as backup:
        (tmp_path / "endpoints.toml").write_text(
            f'[[endpoint]]\nname = "backup"\nbase_url = "{backup.base_url}"\napi_key_env = "BACKUP_KEY"\n'
            'models = ["big-model", "gone-model"]\n')
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("BACKUP_KEY", "good-key-9")
        report = await run(http, model_base_url=primary.base_url)
    assert len(problems(report)) == 1
    assert problems(report)[0].startswith(f"✗ [backup] {backup.base_url} gone-model: model 'gone-model' not found")
    assert any(line.startswith("✓ [backup]") and "test message answered" in line for line in report.lines)


async def test_litellm_without_a_database_is_a_key_problem(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, api_key="master-key-1", no_db=True) as proxy:
        report = await run(http, model_base_url=proxy.base_url, model_api_key="wrong-key-1")
    assert problems(report) == [f"✗ primary {proxy.base_url}: the endpoint rejected the key (HTTP 400) "
                                "→ set MODEL_API_KEY to a valid key"]


async def test_a_learned_window_is_the_one_shown(http: httpx.AsyncClient, redis: Redis, prefix: str) -> None:
    async with FakeModelAPI(models=MODELS) as api:
        await redis.hset(learned_key(prefix, api.base_url), "big-model", "65536")
        report = await diagnose(settings(model_base_url=api.base_url, redis_prefix=prefix), http, redis)
    assert any("context window 65K tokens (learned from the endpoint's context error; the endpoint says 128K)"
               in line for line in report.lines), report.lines


async def test_an_empty_test_answer_is_a_warning(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, reply="") as api:
        report = await run(http, model_base_url=api.base_url)
    [empty] = [line for line in report.lines if "test message" in line]
    assert empty.startswith("! ") and "came back empty" in empty
    assert report.problems == 0


async def test_a_failed_listing_is_named_as_such(http: httpx.AsyncClient) -> None:
    broken = {"GET /v1/models": (500, {"error": {"message": "database is down"}})}
    async with FakeModelAPI(models=MODELS, routes=broken) as api:
        report = await run(http, model_base_url=api.base_url)
    [window] = [line for line in report.lines if "context window is unknown" in line]
    assert window.startswith("! primary") and "models could not be listed (HTTP 500" in window
    assert "does not say" not in window


async def test_an_endpoints_file_named_but_missing_or_broken_is_named_once(
        http: httpx.AsyncClient, tmp_path: Path) -> None:
    missing = tmp_path / "spare.toml"
    async with FakeModelAPI(models=MODELS) as api:
        report = await run(http, model_base_url=api.base_url, model_endpoints_file=missing)
        assert problems(report) == [f"✗ MODEL_ENDPOINTS_FILE names {missing}, which does not exist "
                                    "→ fix it (see docs/model-endpoints.md)"]
        missing.write_text("[[endpoint]\n")
        [broken] = problems(await run(http, model_base_url=api.base_url, model_endpoints_file=missing))
    assert broken.count(str(missing)) == 1 and "cannot read it" in broken

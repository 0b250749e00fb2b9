"""Settings and endpoints.toml into a failover chain; Redis keys stay under the prefix."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.config import Settings
from core.llm.endpoints import EndpointsFileError, load_endpoints
from core.llm.factory import build_model_client
from tests.fakes.model_api import FakeModelAPI, Step
from tests.llm.conftest import answer, request, text_of


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_endpoints_file_parses(tmp_path: Path) -> None:
    path = write(tmp_path / "e.toml", """
[[endpoint]]
name = "router"
base_url = "https://openrouter.ai/api/v1/"
api_key_env = "ROUTER_KEY"
models = ["a/b", "c/d"]
context_window = 200000

[[endpoint]]
name = "claude"
base_url = "https://api.anthropic.com"
api_key = "inline-key"
api_mode = "anthropic"
models = "claude-sonnet-4-5"
""")
    specs = load_endpoints(path, {"ROUTER_KEY": "rk-123"})
    assert [(s.name, s.base_url, s.api_key, s.api_mode, s.models, s.context_window) for s in specs] == [
        ("router", "https://openrouter.ai/api/v1", "rk-123", "auto", ("a/b", "c/d"), 200000),
        ("claude", "https://api.anthropic.com", "inline-key", "anthropic", ("claude-sonnet-4-5",), None),
    ]
    assert "rk-123" not in repr(specs) and "inline-key" not in repr(specs)
    assert load_endpoints(tmp_path / "missing.toml", {}) == []


@pytest.mark.parametrize(("body", "message"), [
    ('[[endpoint]]\nbase_url = "ftp://x"\nmodels = ["m"]', "base_url must start with http"),
    ('[[endpoint]]\nbase_url = "http://x"', "models must be a list"),
    ('[[endpoint]]\nbase_url = "http://x"\nmodels = ["m"]\napi_mode = "grpc"', "api_mode must be one of"),
    ('[[endpoint]]\nbase_url = "http://x"\nmodels = ["m"]\nmodel = "typo"', "unknown field 'model'"),
    ('[[endpoint]]\nbase_url = "http://x"\nmodels = ["m"]\napi_key_env = "NOPE"', "NOPE, which is not set"),
    ('[[endpoint]]\nname="a"\nbase_url = "http://x"\nmodels = ["m"]\n[[endpoint]]\nname="a"\nbase_url = "http://y"\n'
     'models = ["m"]', "used twice"),
    ("[[endpoint]\n", "cannot read it"),
])
def test_endpoints_file_errors_are_one_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(EndpointsFileError, match=message) as info:
        load_endpoints(write(tmp_path / "e.toml", body), {})
    assert "\n" not in str(info.value)


async def test_settings_build_the_whole_chain(
    tmp_path: Path, redis: Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = [{"id": "big-model"}, {"id": "spare-model"}]
    async with FakeModelAPI(models=models) as primary, FakeModelAPI(reply="From the file.") as extra:
        write(tmp_path / "endpoints.toml",
              f'[[endpoint]]\nname = "extra"\nbase_url = "{extra.base_url}"\nmodels = ["big-model"]\n')
        monkeypatch.chdir(tmp_path)
        settings = Settings(_env_file=None, model_base_url=primary.base_url,  # type: ignore[call-arg]
                                  model_name="big-model", model_fallbacks="spare-model, ", model_retries=0)
        chain = build_model_client(settings, redis, prefix)
        try:
            assert [t.label.split("/")[-1] for t in chain.targets(request())] == ["big-model", "spare-model",
                                                                                  "big-model"]
            primary.script(Step(status=503, json={}), Step(status=503, json={}))
            assert text_of(await answer(chain)) == "From the file."
            assert (await chain.list_models())[0].id == "big-model"
        finally:
            await chain.aclose()
    keys = [k.decode() async for k in redis.scan_iter(match="*") if prefix in k.decode()]
    assert keys and all(k.startswith(prefix) for k in keys)


def test_primary_is_a_reserved_name(tmp_path: Path) -> None:
    with pytest.raises(EndpointsFileError, match="'primary' is taken"):
        body = '[[endpoint]]\nname="primary"\nbase_url="http://x"\nmodels=["m"]'
        load_endpoints(write(tmp_path / "e.toml", body), {})

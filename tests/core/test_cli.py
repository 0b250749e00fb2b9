"""The `switchboard` command as a newcomer runs it: a real process, real sockets, real Redis."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))


async def _run(args: list[str], stdin: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        SWITCHBOARD, *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
def env(redis_url: str, prefix: str, model_server: FakeModelServer, redis: object) -> dict[str, str]:
    ours = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "DATA_DIR")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    base.update(MODEL_BASE_URL=model_server.base_url, MODEL_NAME="fake-large",
                MODEL_API_KEY="sk-cli-secret", REDIS_URL=redis_url, REDIS_PREFIX=prefix)
    return base


def _history(server: FakeModelServer, index: int) -> list[str]:
    return [m["content"] for m in server.chat_requests()[index].body["messages"] if m["role"] != "system"]


async def test_chat_streams_remembers_per_user_and_forgets_on_reset(
    env: dict[str, str], tmp_path: Path, model_server: FakeModelServer
) -> None:
    code, out, err = await _run(["chat", "--user", "alice"], "hello\n", env, tmp_path)
    assert code == 0, err
    assert out == "You said: hello\n"
    await _run(["chat", "--user", "alice"], "again\n", env, tmp_path)
    assert _history(model_server, 1) == ["hello", "You said: hello", "again"]
    await _run(["chat", "--user", "bob"], "I am bob\n", env, tmp_path)
    assert _history(model_server, 2) == ["I am bob"]
    _, out, _ = await _run(["chat", "--user", "alice"], "/reset\n/model\n/model fake-other\nfresh\n", env, tmp_path)
    assert "Memory cleared." in out and "fake-small (8K) — unavailable" in out
    assert _history(model_server, 3) == ["fresh"]
    assert model_server.chat_requests()[3].body["model"] == "fake-other"
    assert "sk-cli-secret" not in out + err


async def test_embedded_redis_keeps_history_across_restarts(
    env: dict[str, str], tmp_path: Path, model_server: FakeModelServer
) -> None:
    env = {k: v for k, v in env.items() if k != "REDIS_URL"}
    env["DATA_DIR"] = str(tmp_path / "data")
    code, _, err = await _run(["chat", "--user", "carol"], "remember the word kiwi\n", env, tmp_path)
    assert code == 0, err
    assert (tmp_path / "data" / "switchboard.rdb").exists() or (tmp_path / "data" / "appendonly.aof").exists()
    code, _, err = await _run(["chat", "--user", "carol"], "what was the word?\n", env, tmp_path)
    assert code == 0, err
    assert _history(model_server, 1)[:2] == ["remember the word kiwi", "You said: remember the word kiwi"]


async def test_a_bad_setting_stops_with_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    env["SESSION_SCOPE"] = "galaxy"
    code, _, err = await _run(["chat"], "", env, tmp_path)
    assert code == 2
    assert err.strip().splitlines() == [
        "switchboard: Invalid setting SESSION_SCOPE: Input should be 'user', 'chat' or 'thread'"
    ]


@pytest.mark.parametrize(("name", "value", "line"), [
    ("TELEGRAM_API_BASE", "ftp://bots.example", "Invalid setting TELEGRAM_API_BASE: must start with http:// or https://"),
    ("DISCORD_GATEWAY_URL", "http://gw.example", "Invalid setting DISCORD_GATEWAY_URL: must start with ws:// or wss://"),
    ("SLACK_STREAMING", "sometimes", "Invalid setting SLACK_STREAMING: Input should be 'auto', 'on' or 'off'"),
])
async def test_a_bad_platform_setting_stops_with_one_line_naming_it(
        env: dict[str, str], tmp_path: Path, name: str, value: str, line: str) -> None:
    env[name] = value
    code, _, err = await _run(["run"], "", env, tmp_path)
    assert code == 2
    assert err.strip().splitlines() == [f"switchboard: {line}"]


async def test_a_half_configured_platform_names_the_missing_setting(env: dict[str, str], tmp_path: Path) -> None:
    env["SLACK_BOT_TOKEN"] = "xoxb-only-the-bot-token"
    code, _, err = await _run(["run"], "", env, tmp_path)
    assert code == 2
    [line] = err.strip().splitlines()
    assert "SLACK_APP_TOKEN" in line and "SLACK_SIGNING_SECRET" in line and "xoxb-only" not in line


async def test_missing_endpoint_is_named(env: dict[str, str], tmp_path: Path) -> None:
    del env["MODEL_BASE_URL"]
    code, _, err = await _run(["run"], "", env, tmp_path)
    assert code == 2 and "MODEL_BASE_URL" in err and "switchboard model" in err
    assert "Traceback" not in err


async def test_run_without_platforms_says_how_to_add_one(env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = await _run(["run"], "", env, tmp_path)
    assert code == 1
    [line] = err.strip().splitlines()
    assert "TELEGRAM_BOT_TOKEN" in line and "README.md#platforms" in line and "switchboard chat" in line


async def test_settings_come_from_dotenv(env: dict[str, str], tmp_path: Path, model_server: FakeModelServer) -> None:
    dotenv = {k: env.pop(k) for k in ("MODEL_BASE_URL", "MODEL_NAME")}
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    code, out, err = await _run(["chat", "--user", "dave"], "from dotenv\n", env, tmp_path)
    assert code == 0, err
    assert out == "You said: from dotenv\n"


async def test_a_default_model_under_the_minimum_window_stops_start_up(env: dict[str, str], tmp_path: Path) -> None:
    env["MODEL_NAME"] = "fake-small"
    code, _, err = await _run(["chat"], "hi\n", env, tmp_path)
    assert code == 1
    [line] = err.strip().splitlines()
    assert "fake-small has a context window of 8,192 tokens" in line and "64,000-token minimum" in line


def _listed(block: str) -> list[str]:
    return [line[2:].split(" ")[0] for line in block.splitlines() if line.startswith("• ")]


async def test_300_models_are_searched_and_paged_in_the_terminal(env: dict[str, str], tmp_path: Path) -> None:
    async with FakeModelServer(models=[{"id": f"m{n:03d}", "context_length": 131072} for n in range(300)]) as server:
        env = env | {"MODEL_BASE_URL": server.base_url, "MODEL_NAME": "m000"}
        code, out, err = await _run(["chat", "--user", "alice"], "/model\n/model m04\n/model page 2\n", env, tmp_path)
    assert code == 0, err
    first, rest = out.split("Models matching", 1)
    found, second = rest.split("Current model", 1)
    assert _listed(found) == [f"m{n:03d}" for n in range(40, 50)]  # the ten matching, nothing else
    assert "page 1 of 15" in first and "page 2 of 15" in second and len(_listed(second)) == 20
    assert len(_listed(first)) == 20 and not set(_listed(second)) & set(_listed(first))


async def test_version_and_help_read_as_a_newcomer_expects(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = await _run(["--version"], "", env, tmp_path)
    assert code == 0 and out.strip() == "switchboard 0.1.0"
    code, out, _ = await _run(["run", "--help"], "", env, tmp_path)
    assert code == 0 and "<bool>" not in out and "--env-file FILE" in out
    assert "no platform configured" in out and "Exit codes:" in out and "2  a bad setting" in out
    code, out, _ = await _run(["--help"], "", env, tmp_path)
    assert "--install-completion" in out and "--version" in out


@pytest.mark.parametrize(("args", "setting", "line"), [
    (["run", "--env-file", "nowhere.env"], {}, "switchboard: --env-file nowhere.env does not exist."),
    (["pair", "list", "--env-file", "nowhere.env"], {}, "switchboard: --env-file nowhere.env does not exist."),
    (["chat"], {"MODEL_ENDPOINTS_FILE": "spare.toml"},
     "switchboard: MODEL_ENDPOINTS_FILE names spare.toml, which does not exist"),
    (["chat"], {"MODEL_NAME": "text-embedding-3-small"},
     "switchboard: MODEL_NAME text-embedding-3-small cannot chat: it is not a chat model (embeddings, speech, "
     "images or moderation). Pick a chat model (see `switchboard model`)."),
    (["run"], {"TELEGRAM_BOT_TOKEN": "123456"},
     "switchboard: Invalid setting TELEGRAM_BOT_TOKEN: does not look like a bot token (123456789:AA...); "
     "copy it again from @BotFather"),
    (["run"], {"SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdef"},
     "switchboard: SLACK_BOT_TOKEN is set but SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP events) "
     "is missing (see README.md#platforms)."),
])
async def test_a_bad_setting_of_any_kind_is_one_line_and_exit_2(
        env: dict[str, str], tmp_path: Path, args: list[str], setting: dict[str, str], line: str) -> None:
    code, out, err = await _run(args, "hello\n", env | setting, tmp_path)
    assert code == 2, err
    assert err.strip().splitlines() == [line] and not out


async def test_a_malformed_endpoints_file_stops_start_up_with_one_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "endpoints.toml").write_text("[[endpoint]]\nname = 'spare'\n")
    code, _, err = await _run(["chat"], "hello\n", env, tmp_path)
    assert code == 2
    assert err.strip().splitlines() == ["switchboard: endpoints.toml: endpoint 'spare': base_url must start with "
                                        "http:// or https://"]


async def test_chat_reads_the_settings_file_it_is_given(env: dict[str, str], tmp_path: Path) -> None:
    model = {k: env.pop(k) for k in ("MODEL_BASE_URL", "MODEL_NAME")}
    (tmp_path / "staging.env").write_text("".join(f"{k}={v}\n" for k, v in model.items()))
    code, out, err = await _run(["chat", "--env-file", "staging.env", "--user", "erin"], "hi\n", env, tmp_path)
    assert code == 0, err
    assert out == "You said: hi\n"

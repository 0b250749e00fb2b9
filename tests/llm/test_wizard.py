"""`switchboard model`: each answer is checked against the endpoint; .env keeps its other lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from switchboard.envfile import update_env_file
from switchboard.wizard import Answers, Wizard, WizardError
from tests.fakes.model_api import FakeModelAPI, Step

MODELS = [{"id": "tiny-model", "context_length": 8192}, {"id": "big-model", "context_length": 128000}]
CLI = ("from switchboard.cli import app; "
       "app(prog_name='switchboard')")
REPO = Path(__file__).resolve().parents[2]


class Scripted:
    """Answers questions from a list, in order, and records what was said."""

    def __init__(self, answers: list[str], *, interactive: bool = True) -> None:
        self.answers = list(answers)
        self.interactive = interactive
        self.asked: list[str] = []
        self.said: list[str] = []

    async def ask(self, question: str, *, flag: str, default: str = "", secret: bool = False) -> str:
        self.asked.append(flag)
        answer = self.answers.pop(0)
        return answer or default

    def say(self, line: str) -> None:
        self.said.append(line)


async def test_interactive_answers_are_checked_and_corrected(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, api_key="good-key-1") as api:
        prompter = Scripted([
            "ftp://nope",  # not http(s): asked again
            api.root_url,  # lacks /v1: corrected, said so
            "bad-key-1",  # rejected by the endpoint: asked again
            "good-key-1",
            "1",  # tiny-model: under the minimum, refused
            "big-modle",  # a typo: refused with a suggestion
            "2",  # big-model
            "",  # API mode: the default, auto
        ])
        answers = await Wizard(prompter, http, minimum=64000, current=Answers()).run(Answers())
    assert answers == Answers(api.base_url, "good-key-1", "big-model", "auto")
    assert prompter.asked == ["--base-url", "--base-url", "--api-key", "--api-key", "--model", "--model",
                              "--model", "--api-mode"]
    said = "\n".join(prompter.said)
    assert f"but {api.base_url} does: using that" in said
    assert "rejected the key" in said and "under the 64,000-token minimum" in said
    assert "did you mean big-model" in said and "test message answered" in said
    assert "  1. tiny-model (8K)  — too small" in said


async def test_script_stops_with_the_reason(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, modes=("chat",)) as api:
        wizard = Wizard(Scripted([], interactive=False), http, minimum=64000, current=Answers())
        with pytest.raises(WizardError, match="did you mean big-model"):
            await wizard.run(Answers(api.base_url, "", "big-modle", "auto"))
        with pytest.raises(WizardError, match="MODEL_API_MODE=anthropic, but the endpoint speaks the chat API"):
            await wizard.run(Answers(api.base_url, "", "big-model", "anthropic"))


def test_env_file_update_keeps_other_lines(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# my settings\nTELEGRAM_BOT_TOKEN=123:abc\nMODEL_NAME=old\n\n"
                   "export MODEL_NAME=older\nLOG_LEVEL=DEBUG\n")
    update_env_file(env, {"MODEL_NAME": "new model #1", "MODEL_BASE_URL": "http://h/v1", "MODEL_API_KEY": 'k"y'})
    text = env.read_text()
    assert text.startswith("# my settings\nTELEGRAM_BOT_TOKEN=123:abc\nMODEL_NAME=")
    assert "older" not in text and "LOG_LEVEL=DEBUG" in text
    assert dotenv_values(env) == {"TELEGRAM_BOT_TOKEN": "123:abc", "MODEL_NAME": "new model #1",
                                  "LOG_LEVEL": "DEBUG", "MODEL_BASE_URL": "http://h/v1", "MODEL_API_KEY": 'k"y'}


def test_new_env_file_is_private(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    update_env_file(env, {"MODEL_API_KEY": "secret"})
    assert env.stat().st_mode & 0o777 == 0o600


async def run_cli(*args: str, cwd: Path) -> tuple[int, str]:
    """The real commands in a child process (no terminal: nothing is asked)."""
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLI, *args, cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_cli_model_writes_env_then_doctor_passes(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\n")
    async with FakeModelAPI(models=MODELS, api_key="cli-key-123") as api:
        code, out = await run_cli("model", "--base-url", api.base_url, "--api-key", "cli-key-123",
                                  "--model", "big-model", cwd=tmp_path)
        assert code == 0, out
        assert dotenv_values(tmp_path / ".env") == {
            "SLACK_BOT_TOKEN": "xoxb-1", "MODEL_BASE_URL": api.base_url, "MODEL_API_KEY": "cli-key-123",
            "MODEL_NAME": "big-model", "MODEL_API_MODE": "auto"}
        assert "cli-key-123" not in out
        code, out = await run_cli("doctor", cwd=tmp_path)
        assert code == 0 and "All checks passed." in out, out
        update_env_file(tmp_path / ".env", {"MODEL_NAME": "tiny-model"})
        code, out = await run_cli("doctor", cwd=tmp_path)
        assert code == 1 and "✗" in out and "under the 64,000-token minimum" in out


async def test_cli_model_without_a_terminal_names_the_missing_flag(tmp_path: Path) -> None:
    code, out = await run_cli("model", "--non-interactive", cwd=tmp_path)
    assert code == 1 and "pass --base-url" in out
    assert not (tmp_path / ".env").exists()


async def test_the_configured_window_is_the_one_checked(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS) as api:
        wizard = Wizard(Scripted([], interactive=False), http, minimum=64000, current=Answers(), window_override=8192)
        with pytest.raises(WizardError, match=r"8,192 tokens .*MODEL_CONTEXT_WINDOW=8192 is set: raise or remove it"):
            await wizard.run(Answers(api.base_url, "", "big-model", "auto"))


async def test_cli_model_honours_model_context_window(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MODEL_CONTEXT_WINDOW=8192\n")
    async with FakeModelAPI(models=MODELS) as api:
        code, out = await run_cli("model", "--base-url", api.base_url, "--api-key", "", "--model", "big-model",
                                  cwd=tmp_path)
    assert code == 1 and "MODEL_CONTEXT_WINDOW=8192 is set" in out, out
    assert dotenv_values(tmp_path / ".env") == {"MODEL_CONTEXT_WINDOW": "8192"}  # nothing saved


async def test_litellm_key_refusal_is_asked_again(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=MODELS, api_key="master-key-1", no_db=True) as proxy:
        prompter = Scripted([proxy.base_url, "wrong-key-1", "master-key-1", "big-model", ""])
        answers = await Wizard(prompter, http, minimum=64000, current=Answers()).run(Answers())
    assert answers.api_key == "master-key-1"
    assert any("rejected the key (HTTP 400)" in line for line in prompter.said)


async def test_cli_without_a_terminal_says_a_failure_once_and_asks_nothing(tmp_path: Path) -> None:
    broken = {"GET /v1/models": (500, {"error": {"message": "database is down"}})}
    async with FakeModelAPI(models=MODELS, routes=broken) as api:
        api.script(Step(status=400, json={"error": {"message": "unsupported chat template"}}))
        code, out = await run_cli("model", "--non-interactive", "--base-url", api.base_url, "--api-key", "",
                                  "--model", "big-model", cwd=tmp_path)
    assert code == 1
    assert "could not list models" in out and "type the model id" not in out
    assert out.count("unsupported chat template") == 1, out


async def test_a_window_nobody_reports_is_asked_for_and_written(http: httpx.AsyncClient, tmp_path: Path) -> None:
    async with FakeModelAPI(models=[{"id": "mystery-model"}]) as api:
        prompter = Scripted([api.base_url, "", "mystery-model",
                             "lots",  # not a number: asked again
                             "32k",  # under the minimum: pick another model
                             "mystery-model", "131,072", ""])
        answers = await Wizard(prompter, http, minimum=64000, current=Answers()).run(Answers())
        script = await Wizard(Scripted([api.base_url, "", "mystery-model", "", ""], interactive=False), http,
                              minimum=64000, current=Answers()).run(Answers())
    assert answers.context_window == 131072 and answers.env()["MODEL_CONTEXT_WINDOW"] == "131072"
    assert prompter.asked.count("--context-window") == 3
    said = "\n".join(prompter.said)
    assert "does not say how large mystery-model's context window is" in said
    assert "a window is a number of tokens" in said and "under the 64,000-token minimum" in said
    assert "✓ mystery-model: window 131K (MODEL_CONTEXT_WINDOW=131072)" in said
    assert script.context_window is None and "MODEL_CONTEXT_WINDOW" not in script.env()  # Enter: assume it


async def test_a_model_that_cannot_chat_is_refused_with_one_line(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(models=[*MODELS, {"id": "text-embedding-3-small"}]) as api:
        prompter = Scripted([api.base_url, "", "text-embedding-3-small", "big-model", ""])
        answers = await Wizard(prompter, http, minimum=64000, current=Answers()).run(Answers())
    assert answers.model == "big-model"
    assert "text-embedding-3-small" not in "\n".join(line for line in prompter.said if line.lstrip()[:1].isdigit())
    assert "✗ text-embedding-3-small cannot chat: it is not a chat model" in "\n".join(prompter.said)

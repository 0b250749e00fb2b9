"""`switchboard model` (set up the endpoint) and `switchboard doctor` (check it)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import httpx
import typer

from core.config import Settings, SettingsError, load_or_exit, load_settings
from core.llm.urls import safe_url
from core.redis_client import EMBEDDED_DB, RedisHandle, connect
from switchboard.cli.common import EnvFile as ReadEnvFile
from switchboard.cli.common import settings_file
from switchboard.doctor import diagnose
from switchboard.envfile import update_env_file
from switchboard.wizard import Answers, Wizard, WizardError

EnvFile = Annotated[Path, typer.Option("--env-file", metavar="FILE", help="The settings file to update.")]


class TerminalPrompter:
    """Asks on the terminal; prompts run in a thread so the event loop stays free."""

    interactive = True

    async def ask(self, question: str, *, flag: str, default: str = "", secret: bool = False) -> str:
        if secret and default:
            question += " (Enter keeps the current one)"
        answer: str = await asyncio.to_thread(
            typer.prompt, question, default=default, hide_input=secret, show_default=not secret and bool(default)
        )
        return answer

    def say(self, line: str) -> None:
        typer.echo(line)


class ScriptPrompter:
    """No terminal to ask: flags or the current .env answer, else stop and name the flag."""

    interactive = False

    async def ask(self, question: str, *, flag: str, default: str = "", secret: bool = False) -> str:
        if default or flag in ("--api-key", "--api-mode", "--context-window"):  # these may stay empty
            return default or ("auto" if flag == "--api-mode" else "")
        raise WizardError(f"{question.split(' (')[0]} is needed: pass {flag}")

    def say(self, line: str) -> None:
        typer.echo(line)


def _current(env_file: Path) -> tuple[Answers, Settings]:
    try:
        settings = load_settings(env_file if env_file.exists() else None)
    except SettingsError:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    current = Answers(settings.model_base_url or None, settings.model_api_key.get_secret_value() or None,
                      settings.model_name or None, settings.model_api_mode)
    return current, settings


async def _wizard(given: Answers, env_file: Path, interactive: bool) -> Answers:
    current, settings = _current(env_file)
    prompter = TerminalPrompter() if interactive else ScriptPrompter()
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
        wizard = Wizard(prompter, http, minimum=settings.min_context_tokens, current=current,
                        window_override=settings.model_context_window)
        return await wizard.run(given)


def setup_model(given: Answers, env_file: Path, *, interactive: bool, yes: bool) -> int:
    """Run the wizard and write `env_file`; the exit code (0 written, 1 not)."""
    try:
        answers = asyncio.run(_wizard(given, env_file, interactive))
        if interactive and not yes and not typer.confirm(f"Write these settings to {env_file}?", default=True):
            raise WizardError("nothing was written")
    except WizardError as exc:
        typer.echo(f"switchboard model: {exc}", err=True)
        return 1
    update_env_file(env_file, answers.env())
    window = f" MODEL_CONTEXT_WINDOW={answers.context_window}" if answers.context_window else ""
    typer.echo(f"Saved to {env_file}: MODEL_BASE_URL={safe_url(answers.base_url or '')} "
               f"MODEL_NAME={answers.model} MODEL_API_MODE={answers.api_mode}{window}")
    return 0


BaseUrl = Annotated[str | None, typer.Option("--base-url", metavar="URL",
                                              help="The endpoint, e.g. https://openrouter.ai/api/v1")]
ApiKey = Annotated[str | None, typer.Option("--api-key", metavar="KEY", help="The endpoint's key ('' for none).")]
ModelId = Annotated[str | None, typer.Option("--model", metavar="ID", help="A model id the endpoint lists.")]
Mode = Annotated[str | None, typer.Option("--api-mode", metavar="MODE",
                                          help="auto (default), chat, responses or anthropic.")]
Window = Annotated[int | None, typer.Option("--context-window", metavar="TOKENS",
                                           help="The model's context window, when the endpoint does not say it.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Write .env without asking to confirm.")]
NonInteractive = Annotated[bool, typer.Option("--non-interactive", help="Never prompt: flags and .env only.")]


def model(
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    model_id: ModelId = None,
    api_mode: Mode = None,
    context_window: Window = None,
    yes: Yes = False,
    non_interactive: NonInteractive = False,
    env_file: EnvFile = Path(".env"),
) -> None:
    """Set up the model endpoint: base URL, key, model and API mode, each checked against the
    endpoint (models listed, window at least MIN_CONTEXT_TOKENS, a one-line test message),
    then written to .env. Flags answer questions in advance; with --non-interactive (or no
    terminal) nothing is asked."""
    interactive = not non_interactive and sys.stdin.isatty()
    given = Answers(base_url, api_key, model_id, api_mode, context_window)
    raise typer.Exit(setup_model(given, env_file, interactive=interactive, yes=yes or not interactive))


async def _gateway_redis(settings: Settings) -> RedisHandle | None:
    """The gateway's Redis, when there is one to read (learned windows); never created here."""
    if not settings.redis_url and not (settings.data_dir / EMBEDDED_DB).exists():
        return None
    try:
        return await connect(settings.redis_url, settings.data_dir)
    except (ConnectionError, OSError) as exc:
        typer.echo(f"! not reading learned windows: {exc}")
        return None


async def _doctor(settings: Settings) -> int:
    timeout = httpx.Timeout(30.0, connect=settings.model_connect_timeout)
    handle = await _gateway_redis(settings)
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            report = await diagnose(settings, http, handle.client if handle else None)
    finally:
        if handle is not None:
            await handle.close()
    for line in report.lines:
        typer.echo(line)
    return 1 if report.problems else 0


def doctor(env_file: ReadEnvFile = None) -> None:
    """Check the configured endpoints: one line per problem, with its fix.

    Exit codes: 0 all checks passed; 1 problems found; 2 a bad setting."""
    settings = load_or_exit(settings_file(env_file))
    raise typer.Exit(asyncio.run(_doctor(settings)))

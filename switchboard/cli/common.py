"""What every `switchboard` subcommand shares: the settings file, logging, the event loop, the model settings."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from dotenv import load_dotenv

from core.config import Settings, load_or_exit
from core.errors import BadSetting, StartupError
from core.logs.redaction import secret_values
from core.logs.setup import configure
from switchboard.wizard import Answers

DEFAULT_ENV_FILE = Path(".env")
EnvFile = Annotated[Path | None, typer.Option(
    "--env-file", metavar="FILE", help="Read the settings from FILE instead of ./.env (the environment still wins).")]


def settings_file(env_file: Path | None) -> Path:
    """./.env (read when it exists), or an --env-file, which must exist: if not, one line and exit code 2.

    The file's values also go into this process's environment (the environment keeps precedence),
    so everything that reads settings (each platform's, endpoints.toml's api_key_env) sees them."""
    if env_file is None:
        return DEFAULT_ENV_FILE
    if not env_file.is_file():
        typer.echo(f"switchboard: --env-file {env_file} does not exist.", err=True)
        raise typer.Exit(2)
    load_dotenv(env_file, override=False)
    return env_file


def setup_logging(settings: Settings, *, level: str | None = None) -> None:
    """LOG_LEVEL (or `level`) and LOG_FORMAT, with the core settings' secrets masked in every line."""
    configure(level or settings.log_level, settings.log_format, secret_values(settings))


def need_model(settings: Settings, env_file: Path = DEFAULT_ENV_FILE) -> Settings:
    """The settings with an endpoint: on a terminal the wizard asks for a missing one (written to `env_file`)."""
    from switchboard.cli.model import setup_model

    required = (("MODEL_BASE_URL", settings.model_base_url), ("MODEL_NAME", settings.model_name))
    missing = [name for name, value in required if not value]
    if missing and sys.stdin.isatty() and sys.stdout.isatty():
        typer.echo(f"{' and '.join(missing)} not set yet: let's set up the model endpoint.")
        if setup_model(Answers(), env_file, interactive=True, yes=False) != 0:
            raise typer.Exit(2)
        return load_or_exit(env_file)
    if missing:
        typer.echo(
            f"switchboard: {' and '.join(missing)} not set: run `switchboard model` to set up the endpoint "
            "(see README.md#configuration).",
            err=True,
        )
        raise typer.Exit(2)
    return settings


def run_until_done(main: Coroutine[Any, Any, None], *, fast_loop: bool = False) -> None:
    """Runs a gateway to its end: a bad setting is one line and exit code 2, any other start-up
    problem one line and exit code 1, Ctrl-C a quiet stop."""
    try:
        with asyncio.Runner(loop_factory=loop_factory() if fast_loop else None) as runner:
            runner.run(main)
    except BadSetting as exc:
        typer.echo(f"switchboard: {exc}", err=True)
        raise typer.Exit(2) from None
    except StartupError as exc:
        typer.echo(f"switchboard: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (the default install has it): the event loop is a third of our CPU."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop

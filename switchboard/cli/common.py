"""What every `switchboard` subcommand shares: logging, the event loop, the model settings."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import typer

from core.config import Settings, load_or_exit
from core.errors import StartupError
from core.logs.redaction import secret_values
from core.logs.setup import configure
from switchboard.wizard import Answers


def setup_logging(settings: Settings, *, level: str | None = None) -> None:
    """LOG_LEVEL (or `level`) and LOG_FORMAT, with the core settings' secrets masked in every line."""
    configure(level or settings.log_level, settings.log_format, secret_values(settings))


def need_model(settings: Settings) -> Settings:
    """The settings with an endpoint: on a terminal the wizard asks for a missing one."""
    from switchboard.cli.model import setup_model

    required = (("MODEL_BASE_URL", settings.model_base_url), ("MODEL_NAME", settings.model_name))
    missing = [name for name, value in required if not value]
    if missing and sys.stdin.isatty() and sys.stdout.isatty():
        typer.echo(f"{' and '.join(missing)} not set yet: let's set up the model endpoint.")
        if setup_model(Answers(), Path(".env"), interactive=True, yes=False) != 0:
            raise typer.Exit(2)
        return load_or_exit()
    if missing:
        typer.echo(
            f"switchboard: {' and '.join(missing)} not set: run `switchboard model` to set up the endpoint "
            "(see README.md#configuration).",
            err=True,
        )
        raise typer.Exit(2)
    return settings


def run_until_done(main: Coroutine[Any, Any, None], *, fast_loop: bool = False) -> None:
    """Runs a gateway to its end: a start-up problem is one line and exit code 1, Ctrl-C a quiet stop."""
    try:
        with asyncio.Runner(loop_factory=loop_factory() if fast_loop else None) as runner:
            runner.run(main)
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

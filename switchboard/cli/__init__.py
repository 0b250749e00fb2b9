"""The `switchboard` command: run the gateway, chat in the terminal, set up the model."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from bots.discord.cli import register_cli as register_discord_cli
from core.config import Settings, load_or_exit
from core.errors import StartupError
from core.loop_monitor import LoopLagMonitor
from core.web import WebServer
from switchboard.assembly import running_core
from switchboard.cli import model as cli_llm
from switchboard.wizard import Answers

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
cli_llm.register(app)
register_discord_cli(app)

README_PLATFORMS = "README.md#platforms"


def _logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "aiogram.event"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _need_model(settings: Settings) -> Settings:
    """The settings with an endpoint: on a terminal the wizard asks for a missing one."""
    required = (("MODEL_BASE_URL", settings.model_base_url), ("MODEL_NAME", settings.model_name))
    missing = [name for name, value in required if not value]
    if missing and sys.stdin.isatty() and sys.stdout.isatty():
        typer.echo(f"{' and '.join(missing)} not set yet: let's set up the model endpoint.")
        if cli_llm.setup_model(Answers(), Path(".env"),
                               interactive=True, yes=False) != 0:
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


async def _chat(settings: Settings, user: str) -> None:
    from bots.console import ConsoleAdapter

    adapter = ConsoleAdapter(user)
    async with running_core(settings) as (gateway, _handle):
        gateway.core.bind(adapter)
        await adapter.chat(gateway)


@app.command()
def chat(user: Annotated[str, typer.Option("--user", "-u", help="Whose memory to use.")] = "console") -> None:
    """Talk to the model from this terminal (stdin may be a pipe)."""
    settings = load_or_exit()
    _logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    settings = _need_model(settings)
    try:
        asyncio.run(_chat(settings, user))
    except StartupError as exc:
        typer.echo(f"switchboard: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass


async def _serve(settings: Settings) -> None:
    from bots.registry import configured

    specs = configured(settings)
    async with running_core(settings) as (gateway, handle):
        lag = LoopLagMonitor()
        lag.start()
        web = WebServer(settings.http_host, settings.http_port, lag=lag)
        adapters = []
        for spec in specs:
            adapter = spec.build(settings)
            gateway.core.bind(adapter)
            await adapter.start(gateway, web)
            adapters.append(adapter)
        await web.start()
        gateway.start()
        # Everything loaded so far lives as long as the process: keep the collector from
        # re-scanning it (full collections of it showed up as 100+ ms event-loop stalls).
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 20, 50)  # fewer young collections under a token storm
        typer.echo(f"{'platform':<10} status")
        for adapter in adapters:
            typer.echo(f"{adapter.name:<10} {adapter.status()}")
        typer.echo(f"{'redis':<10} {handle.where}")
        if web.routes:
            typer.echo(f"{'http':<10} listening on {web.host}:{web.port}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()  # serve until SIGTERM / Ctrl-C, then shut down cleanly
        finally:
            for adapter in adapters:
                await adapter.stop()
            await web.stop()
            await lag.stop()


@app.command()
def run() -> None:
    """Start every platform whose credentials are set."""
    from bots.registry import SPECS, configured

    settings = load_or_exit()
    _logging(settings.log_level)
    settings = _need_model(settings)
    if not configured(settings):
        needs = ", ".join(spec.needs for spec in SPECS)
        typer.echo(
            f"switchboard: no platform configured (set {needs}; see {README_PLATFORMS}). "
            "To talk to the model here, run `switchboard chat`.",
            err=True,
        )
        if not sys.stdin.isatty():
            raise typer.Exit(1)
        asyncio.run(_chat(settings, "console"))
        return
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_serve(settings))
    except StartupError as exc:
        typer.echo(f"switchboard: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (the default install has it): the event loop is a third of our CPU."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main() -> None:
    app()

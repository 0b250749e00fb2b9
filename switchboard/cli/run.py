"""`switchboard run`: every platform whose settings are present, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys

import typer

from bots.console import ConsoleAdapter
from bots.registry import SPECS, Configured, configured, incomplete
from core.config import Settings, SettingsError, exit_on_bad_setting, load_or_exit
from core.logs.redaction import secret_values
from core.logs.setup import flush_repeats_forever, mask_also
from core.loop_monitor import LoopLagMonitor
from switchboard.assembly import Running, assembled
from switchboard.cli.chat import start_chat
from switchboard.cli.common import EnvFile, need_model, run_until_done, settings_file, setup_logging

README_PLATFORMS = "README.md#platforms"


def _status_table(running: Running) -> None:
    typer.echo(f"{'platform':<10} status")
    for adapter in running.adapters:
        if adapter.status():  # the terminal relay has none: it only answers `switchboard chat` elsewhere
            typer.echo(f"{adapter.name:<10} {adapter.status()}")
    typer.echo(f"{'redis':<10} {running.redis_where}")
    typer.echo(f"{'http':<10} listening on {running.web.host}:{running.web.port} (/healthz /readyz /metrics)")


async def serve(settings: Settings, platforms: list[Configured]) -> None:
    """Serve until SIGTERM / Ctrl-C, then shut down cleanly (see switchboard/lifecycle.py)."""
    lag = LoopLagMonitor()
    lag.start()
    repeats = asyncio.create_task(flush_repeats_forever(), name="log repeat counts")
    try:
        # The console binding answers terminal chats whose conversation this process takes over.
        adapters = [*(p.build() for p in platforms), ConsoleAdapter("", terminal=False)]
        async with assembled(settings, adapters) as running:
            running.web.lag = lag
            # Everything loaded so far lives as long as the process: keep the collector from
            # re-scanning it (full collections of it showed up as 100+ ms event-loop stalls).
            gc.collect()
            gc.freeze()
            gc.set_threshold(10_000, 20, 50)  # fewer young collections under a token storm
            _status_table(running)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
    finally:
        repeats.cancel()
        await lag.stop()


def run(env_file: EnvFile = None) -> None:
    """Start every platform whose settings are present (Telegram, Discord, Slack) and serve them
    until SIGTERM or Ctrl-C; a short table says which connected.

    With no platform configured, on a terminal the terminal chat starts instead (as
    `switchboard chat`); without a terminal, one line names the settings to add and the exit
    code is 1. A platform that cannot be reached is retried in the background, never given up.

    \b
    Exit codes:
      0  stopped (SIGTERM or Ctrl-C)
      1  could not start: no platform configured (without a terminal), Redis unreachable,
         the default model under MIN_CONTEXT_TOKENS
      2  a bad setting: a malformed value or token, a token the platform rejects, a half-set
         platform, a missing --env-file or MODEL_ENDPOINTS_FILE"""
    source = settings_file(env_file)
    settings = load_or_exit(source)
    settings = need_model(settings, source)
    setup_logging(settings)
    try:
        platforms = configured(source)
        half = incomplete(source)
    except SettingsError as exc:
        exit_on_bad_setting(exc)
    mask_also(secret_values(*(p.settings for p in platforms)))
    if half:
        typer.echo(f"switchboard: {half[0]} (see {README_PLATFORMS}).", err=True)
        raise typer.Exit(2)
    if not platforms:
        needs = ", ".join(spec.needs for spec in SPECS)
        typer.echo(
            f"switchboard: no platform configured (set {needs}; see {README_PLATFORMS}). "
            "To talk to the model here, run `switchboard chat`.",
            err=True,
        )
        if not sys.stdin.isatty():
            raise typer.Exit(1)
        start_chat(settings, "console")
        return
    run_until_done(serve(settings, platforms), fast_loop=True)

"""`switchboard chat`: talk to the model from this terminal, with the gateway's memory."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.console import ConsoleAdapter
from core.config import Settings, load_or_exit
from switchboard.assembly import assembled
from switchboard.cli.common import EnvFile, need_model, run_until_done, settings_file, setup_logging


async def talk(settings: Settings, user: str) -> None:
    adapter = ConsoleAdapter(user)
    async with assembled(settings, [adapter], serve_http=False) as running:
        await adapter.chat(running.gateway)


def start_chat(settings: Settings, user: str) -> None:
    """Runs the chat until EOF, Ctrl-D or /quit; a start-up problem is one line (exit code 1, 2 for a bad setting)."""
    run_until_done(talk(settings, user))


def chat(user: Annotated[str, typer.Option("--user", "-u", metavar="NAME", help="Whose memory to use.")] = "console",
         env_file: EnvFile = None) -> None:
    """Talk to the model from this terminal, with the memory of --user (shared by every terminal
    and process of that user). Ctrl-C stops a reply, Ctrl-D or /quit leaves. Stdin may be a pipe:
    each line is answered in turn.

    Exit codes: 0 done; 1 could not start (Redis, the model endpoint); 2 a bad setting."""
    source = settings_file(env_file)
    settings = load_or_exit(source)
    setup_logging(settings, level="WARNING" if settings.log_level == "INFO" else settings.log_level)
    start_chat(need_model(settings, source), user)

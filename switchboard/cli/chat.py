"""`switchboard chat`: talk to the model from this terminal, with the gateway's memory."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.console import ConsoleAdapter
from core.config import Settings, load_or_exit
from switchboard.assembly import assembled
from switchboard.cli.common import need_model, run_until_done, setup_logging


async def talk(settings: Settings, user: str) -> None:
    adapter = ConsoleAdapter(user)
    async with assembled(settings, [adapter], serve_http=False) as running:
        await adapter.chat(running.gateway)


def start_chat(settings: Settings, user: str) -> None:
    """Runs the chat until EOF; a start-up problem is one line and exit code 1."""
    run_until_done(talk(settings, user))


def chat(user: Annotated[str, typer.Option("--user", "-u", help="Whose memory to use.")] = "console") -> None:
    """Talk to the model from this terminal (stdin may be a pipe)."""
    settings = load_or_exit()
    setup_logging(settings, level="WARNING" if settings.log_level == "INFO" else settings.log_level)
    start_chat(need_model(settings), user)

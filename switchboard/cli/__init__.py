"""The `switchboard` command: run the gateway, chat in the terminal, set up the model, pair people."""

from __future__ import annotations

import typer

from bots.registry import register_cli as register_platform_cli
from switchboard.cli import chat, model, pair, run

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
app.command("run")(run.run)
app.command("chat")(chat.chat)
app.command("model")(model.model)
app.command("doctor")(model.doctor)
app.add_typer(pair.app, name="pair")
register_platform_cli(app)


def main() -> None:
    app()

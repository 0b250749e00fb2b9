"""The `switchboard` command: run the gateway, chat in the terminal, set up the model, pair people."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from bots.registry import register_cli as register_platform_cli
from switchboard.cli import chat, model, pair, run

# Plain help (no rich tables): options read `--yes` rather than `--yes <bool>`.
app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})
app.command("run")(run.run)
app.command("chat")(chat.chat)
app.command("model")(model.model)
app.command("doctor")(model.doctor)
app.add_typer(pair.app, name="pair")
register_platform_cli(app)


def _installed_version() -> str:
    try:
        return version("switchboard")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"switchboard {_installed_version()}")
        raise typer.Exit()


@app.callback()
def options(
    show_version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Switchboard: one model endpoint, talked to from Telegram, Discord, Slack and the terminal.

    Start with `switchboard model` (the endpoint), then `switchboard chat` or `switchboard run`.
    `switchboard --install-completion` adds tab completion for your shell."""


def main() -> None:
    app()

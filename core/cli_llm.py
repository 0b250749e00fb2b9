"""`switchboard model` and `switchboard doctor` (filled in by the model-client work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the model-endpoint commands to the main CLI."""

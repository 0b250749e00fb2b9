"""`switchboard pair list|approve|revoke`: the operator's side of ACCESS_POLICY=pairing.

Works from another process while gateways run: approvals and codes are in the gateway's Redis
(REDIS_URL, or the embedded one under DATA_DIR), so every replica sees an approval at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from core.config import Settings, load_or_exit
from core.redis_client import connect
from core.store.keys import Keys
from core.store.pairing import Pairings, normalize_code, parse_who, who
from core.when import span
from switchboard.cli.common import EnvFile, settings_file

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Pairing (ACCESS_POLICY=pairing): list, approve and revoke who may talk to the bot.")

CLI = "cli"  # who approved, as recorded for an approval made here


def _settings(env_file: Path | None) -> Settings:
    """As every command: ./.env when it exists, or an --env-file that must exist (else one line, exit 2)."""
    source = settings_file(env_file)
    return load_or_exit(source if source.exists() else None)


def _with_pairings(settings: Settings, work: Callable[[Pairings], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            handle = await connect(settings.redis_url, settings.data_dir, max_connections=4)
        except (ConnectionError, OSError) as exc:
            typer.echo(f"switchboard pair: {exc}", err=True)
            raise typer.Exit(1) from None
        try:
            return await work(Pairings(handle.client, Keys.for_client(settings.redis_prefix, handle.client)))
        finally:
            await handle.close()

    return asyncio.run(run())


@app.command("list")
def list_codes(env_file: EnvFile = None) -> None:
    """Codes waiting for approval, and everyone approved so far."""
    settings = _settings(env_file)

    async def show(pairings: Pairings) -> None:
        pending, approved = await pairings.pending(), await pairings.approved()
        now = time.time()
        if settings.access_policy != "pairing":
            typer.echo(f"(ACCESS_POLICY={settings.access_policy}: approvals only count under pairing)")
        typer.echo(f"Waiting for approval ({len(pending)}):" if pending else "No codes waiting for approval.")
        for p in pending:
            name = f"  {p.name}" if p.name else ""
            typer.echo(f"  {p.code}  {who(p.platform, p.user_id)}{name}  (expires in {span(p.expires_at - now)})")
        typer.echo(f"Approved ({len(approved)}):" if approved else "Nobody approved by pairing yet.")
        for a in approved:
            name = f"  {a.name}" if a.name else ""
            when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(a.at))
            typer.echo(f"  {who(a.platform, a.user_id)}{name}  (by {a.by}, {when} UTC)")

    _with_pairings(settings, show)


@app.command("approve")
def approve(code: Annotated[str, typer.Argument(help="The code the person was given, e.g. K7MX2QPA.")],
            env_file: EnvFile = None) -> None:
    """Let in the person who was given CODE: their next message goes through."""
    settings = _settings(env_file)
    approval = _with_pairings(settings, lambda pairings: pairings.approve(code, by=CLI))
    if approval is None:
        typer.echo(f"switchboard pair: no pending code {normalize_code(code)[:16]!r}: wrong, used, or expired "
                   "(codes last an hour; `switchboard pair list` shows those waiting).", err=True)
        raise typer.Exit(1)
    name = f" ({approval.name})" if approval.name else ""
    typer.echo(f"Approved {who(approval.platform, approval.user_id)}{name}: their next message goes through.")


@app.command("revoke")
def revoke(person: Annotated[str, typer.Argument(help="PLATFORM:USER_ID, e.g. telegram:123456.")],
           env_file: EnvFile = None) -> None:
    """Take an approval back: the person's next message gets a new pairing code."""
    settings = _settings(env_file)
    target = parse_who(person)
    if target is None:
        typer.echo("switchboard pair: write the person as PLATFORM:USER_ID, e.g. telegram:123456", err=True)
        raise typer.Exit(2)
    if not _with_pairings(settings, lambda pairings: pairings.revoke(*target)):
        typer.echo(f"switchboard pair: {who(*target)} was not approved by pairing.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Revoked {who(*target)}.")

"""`switchboard discord sync` registers the slash commands; `switchboard discord invite` prints
the two install links (a server's, a person's). Registering is deliberate: a start never
touches Discord's command quota."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlencode

import typer

if TYPE_CHECKING:
    from bots.discord.settings import DiscordSettings

SCOPES = ("bot", "applications.commands")
T = TypeVar("T")
USER_INSTALL = "1"  # integration_type of a person's install: the commands go where they go


async def sync_commands(settings: DiscordSettings, guild_id: str = "") -> list[str]:
    """Overwrites the application's commands (one server's when guild_id is set); returns their names."""
    import discord

    from bots.discord.client import quiet_voice_warnings
    from bots.discord.commands import NoHandler, build_tree
    from bots.discord.endpoints import point_at

    point_at(settings.api_base, settings.gateway_url)
    quiet_voice_warnings()
    async with discord.Client(intents=discord.Intents(guilds=True)) as client:  # REST only: no gateway
        await client.login(settings.bot_token.get_secret_value())
        tree = build_tree(client, NoHandler())
        if guild_id:
            guild = discord.Object(id=int(guild_id))
            tree.copy_global_to(guild=guild)  # a server's commands appear at once; global ones take a while
            synced = await tree.sync(guild=guild)
        else:
            synced = await tree.sync()
    return [command.name for command in synced]


def permissions() -> int:
    """What the bot needs: read and answer in channels and threads, start threads."""
    import discord

    return discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                               create_public_threads=True, read_message_history=True).value


async def invite_urls(settings: DiscordSettings) -> tuple[str, str]:
    """The server install link (the bot joins, with its permissions) and the user install link
    (a person adds the commands to their account, usable wherever they are)."""
    import discord

    from bots.discord.client import quiet_voice_warnings
    from bots.discord.endpoints import point_at

    point_at(settings.api_base, settings.gateway_url)
    quiet_voice_warnings()
    async with discord.Client(intents=discord.Intents(guilds=True)) as client:  # REST only: no gateway
        await client.login(settings.bot_token.get_secret_value())
        app_id = client.application_id or 0
    server = discord.utils.oauth_url(app_id, permissions=discord.Permissions(permissions()), scopes=SCOPES)
    user = (f"https://discord.com/oauth2/authorize?{urlencode({'client_id': app_id})}"
            f"&integration_type={USER_INSTALL}&scope=applications.commands")
    return server, user


def _settings() -> DiscordSettings:
    from bots.discord.settings import DiscordSettings
    from core.config import SettingsError, exit_on_bad_setting, load

    try:
        settings = load(DiscordSettings)
    except SettingsError as exc:
        exit_on_bad_setting(exc)
    if not settings.bot_token.get_secret_value():
        typer.echo("switchboard: DISCORD_BOT_TOKEN is not set (see README.md#discord).", err=True)
        raise typer.Exit(2)
    return settings


def _run_or_exit(call: Coroutine[Any, Any, T], refused: str) -> T:
    """Runs a REST call to Discord; what can go wrong is one line and a non-zero exit, never a traceback:
    a rejected token (2, a bad setting), no network or Discord refusing (1)."""
    import aiohttp
    import discord

    try:
        return asyncio.run(call)
    except discord.LoginFailure:
        typer.echo("switchboard: Discord rejected DISCORD_BOT_TOKEN; copy it again from the Developer Portal "
                   "(your application → Bot → Reset Token).", err=True)
        raise typer.Exit(2) from None
    except discord.HTTPException as exc:
        typer.echo(f"switchboard: Discord {refused}: {exc}", err=True)
        raise typer.Exit(1) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        typer.echo(f"switchboard: cannot reach Discord ({exc or type(exc).__name__}); check the network "
                   "(and DISCORD_API_BASE if set).", err=True)
        raise typer.Exit(1) from None


def register_cli(app: typer.Typer) -> None:
    """Adds the `discord` command group to the `switchboard` command."""
    group = typer.Typer(no_args_is_help=True, help="Discord: register slash commands, print the install links.")

    @group.command()
    def sync(
        guild: Annotated[str, typer.Option(metavar="ID", help="Server id; default DISCORD_GUILD_ID (empty: global).")]
        = "",
        everywhere: Annotated[bool, typer.Option("--global",
                                                 help="Register globally even if DISCORD_GUILD_ID is set.")]
        = False,
    ) -> None:
        """Register the slash commands with Discord, for server and user installs."""
        settings = _settings()
        target = "" if everywhere else (guild or settings.guild_id)
        names = _run_or_exit(sync_commands(settings, target), "refused the commands")
        where = f"server {target} (available now)" if target else "every server (may take a while to appear)"
        typer.echo(f"Registered {', '.join('/' + n for n in names)} for {where}, for server and user installs, "
                   "in servers, the bot's DM and group DMs.")

    @group.command()
    def invite() -> None:
        """Print the links that add the bot to a server, and the app to a person's account."""
        server, user = _run_or_exit(invite_urls(_settings()), "refused to say who the bot is")
        typer.echo(f"Add the bot to a server:\n  {server}\nAdd the app to your account (its commands wherever you are):"
                   f"\n  {user}")

    app.add_typer(group, name="discord")

"""`switchboard run` with Discord set, and `switchboard discord sync` / `invite`, as real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from bots.discord.cli import SCOPES, permissions, sync_commands
from bots.discord.settings import DiscordSettings
from core.config import Settings
from tests.discord.conftest import StartBot
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_models import GUILD_INSTALL, IN_BOT_DM, IN_GUILD, IN_PRIVATE_CHANNEL, USER_INSTALL
from tests.fakes.model_server import FakeModelServer

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))
# The `discord` group as the adapter registry mounts it (register_cli), run in its own process.
DISCORD_CLI = "import typer; from bots.discord.cli import register_cli; app = typer.Typer(); register_cli(app); app()"


@pytest.fixture
def env(fake: FakeDiscord, model_server: FakeModelServer, redis_url: str, prefix: str, redis: object) -> dict[str, str]:
    ours = ("MODEL_", "REDIS_", "TELEGRAM_", "SLACK_", "DISCORD_", "DATA_DIR", "HTTP_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    base.update(MODEL_BASE_URL=model_server.base_url, MODEL_NAME="fake-large", REDIS_URL=redis_url,
                REDIS_PREFIX=prefix, DISCORD_BOT_TOKEN=fake.token, DISCORD_API_BASE=fake.base_url,
                DISCORD_GATEWAY_URL=fake.gateway_url, HTTP_HOST="127.0.0.1", HTTP_PORT="0")
    return base


async def test_switchboard_run_serves_a_mention_and_exits_cleanly_on_sigterm(
        fake: FakeDiscord, env: dict[str, str], tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(SWITCHBOARD, "run", cwd=tmp_path, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    table = b""
    try:
        async with asyncio.timeout(20):  # the status table ends with the redis line once all is up
            while not table.splitlines()[-1:] or not table.splitlines()[-1].startswith(b"redis"):
                table += await proc.stdout.readline()
        fake.user_message("hello from a process", mention=True)
        await fake.wait_for(lambda: fake.texts(fake.channel_id) == ["You said: hello from a process"], 15,
                            what="the answer")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert b"discord    gateway as switchboard" in table, table.decode()
    assert "Traceback" not in err.decode() and fake.token not in err.decode() + (table + out).decode()


async def test_discord_sync_registers_the_commands_globally_or_for_one_server(
        fake: FakeDiscord, env: dict[str, str], tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", DISCORD_CLI, "discord", "sync", cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "Registered /ask" in out.decode() and "every server" in out.decode()
    commands = {c["name"]: c for c in fake.commands["global"]}
    assert set(commands) == {"ask", "model", "continue", "retry", "reset", "usage", "help", "stop"}
    assert "for server and user installs" in out.decode()
    for command in commands.values():  # usable from a server's install and a person's, in all three places
        assert command["integration_types"] == [GUILD_INSTALL, USER_INSTALL]
        assert command["contexts"] == [IN_GUILD, IN_BOT_DM, IN_PRIVATE_CHANNEL]
    (prompt,) = commands["ask"]["options"]
    assert prompt["name"] == "prompt" and prompt["required"] is True
    (name,) = commands["model"]["options"]
    assert name["autocomplete"] is True and not name.get("required")

    guild_env = env | {"DISCORD_GUILD_ID": str(fake.guild_id)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", DISCORD_CLI, "discord", "sync", cwd=tmp_path,
                                                env=guild_env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert f"server {fake.guild_id}" in out.decode()
    assert {c["name"] for c in fake.commands[str(fake.guild_id)]} == set(commands)


async def test_sync_with_a_bad_token_says_so(fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    import discord

    wrong = SecretStr("MTAxMjM0NTY3ODkwMTIzNDU2.GwronG.not-the-token-of-this-bot")
    settings = DiscordSettings(_env_file=None, bot_token=wrong, api_base=fake.base_url,  # type: ignore[call-arg]
                               gateway_url=fake.gateway_url)
    with pytest.raises(discord.LoginFailure):
        await sync_commands(settings)
    assert fake.commands == {}


async def test_discord_invite_prints_the_link_with_scopes_and_permissions(
        fake: FakeDiscord, env: dict[str, str], tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", DISCORD_CLI, "discord", "invite", cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    server, user = [line.strip() for line in out.decode().splitlines() if line.startswith("  ")]
    assert server.startswith("https://discord.com/oauth2/authorize?")
    assert f"client_id={fake.app_id}" in server and "scope=" + "+".join(SCOPES) in server
    assert f"permissions={permissions()}" in server
    assert user == (f"https://discord.com/oauth2/authorize?client_id={fake.app_id}"
                    "&integration_type=1&scope=applications.commands")


async def test_the_status_line_says_when_commands_were_never_registered(
        start_bot: StartBot, fake: FakeDiscord, make_settings: Callable[..., Settings]) -> None:
    first = await start_bot()
    assert "no slash commands yet: run `switchboard discord sync`" in first.adapter.status()
    await sync_commands(DiscordSettings(_env_file=None, bot_token=SecretStr(fake.token),  # type: ignore[call-arg]
                                        api_base=fake.base_url, gateway_url=fake.gateway_url))
    await first.adapter.stop_intake()  # frees the gateway shard (one replica connects it at a time)
    second = await start_bot()
    assert second.adapter.status() == "gateway as switchboard in 1 server (message content off)"


@pytest.mark.parametrize("command", ["invite", "sync"])
async def test_with_discord_unreachable_invite_and_sync_say_so_in_one_line(
        env: dict[str, str], tmp_path: Path, command: str) -> None:
    env = env | {"DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"}  # nothing listens there
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", DISCORD_CLI, "discord", command, cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1 and not out
    [line] = err.decode().strip().splitlines()
    assert line.startswith("switchboard: cannot reach Discord (") and "check the network" in line


async def test_invite_with_a_rejected_token_is_one_line_and_exit_2(
        env: dict[str, str], tmp_path: Path) -> None:
    env = env | {"DISCORD_BOT_TOKEN": "MTAxMjM0NTY3ODkwMTIzNDU2.GwronG.not-the-token-of-this-bot"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", DISCORD_CLI, "discord", "invite", cwd=tmp_path,
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    [line] = err.decode().strip().splitlines()
    assert line.startswith("switchboard: Discord rejected DISCORD_BOT_TOKEN")

"""The Discord adapter: the connection (login, gateway, reconnects), limits, outlets, access."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
from discord import app_commands

from bots.access import AccessList
from bots.discord.client import SwitchboardClient
from bots.discord.commands import build_tree
from bots.discord.endpoints import point_at
from bots.discord.files import fetch
from bots.discord.intake import Intake
from bots.discord.outlet import MAX_CHARS, TOKEN_LIFE, ChannelOps, FilledOriginals, InteractionOps
from bots.discord.refs import PLATFORM, REPLY_TO, InteractionRef
from bots.discord.settings import DiscordSettings
from bots.discord.webhook import InteractionWebhook
from bots.quiet_logs import LogOnce, Outage, OutageLog, quiet
from core.errors import BadSetting, StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Inbound, Limits
from core.web import WebServer

log = logging.getLogger(__name__)

# Discord's per-channel message limit is about 5 per 5 s and edits count, so one update a second.
EDIT_INTERVAL = 1.0
READY_TIMEOUT = 30.0  # seconds start() waits for the gateway's READY before going on regardless
RETRY_MAX = 60.0  # seconds between attempts to reach Discord at most
NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)
TOKEN_REFUSED = ("rejected DISCORD_BOT_TOKEN (401 Unauthorized): copy it again from the Developer Portal "
                 "(your application → Bot → Reset Token)")
INTENT_REFUSED = ("refused the Message Content intent: enable it in the Developer Portal (your application → "
                  "Bot → Privileged Gateway Intents → Message Content Intent) or set DISCORD_MESSAGE_CONTENT=false")


class DiscordAdapter:
    name = PLATFORM

    def __init__(self, settings: DiscordSettings, *, edit_interval: float = EDIT_INTERVAL,
                 guild_ready_timeout: float = 2.0, ready_timeout: float = READY_TIMEOUT,
                 token_life: float = TOKEN_LIFE, retry_delay: float = 1.0) -> None:
        self._settings = settings
        self._token = settings.bot_token.get_secret_value()
        self._limits = Limits(max_chars=MAX_CHARS, min_edit_interval=edit_interval)
        self._access = AccessList.parse(users=settings.allowed_users, roles=settings.allowed_roles,
                                        chats=settings.allowed_channels)
        self.client = SwitchboardClient(message_content=settings.message_content,
                                        guild_ready_timeout=guild_ready_timeout)
        self._filled = FilledOriginals(token_life)
        self._token_life = token_life
        self._ready_timeout = ready_timeout
        self._retry_delay = retry_delay  # the first wait before reaching Discord again; it doubles
        self._failed = False  # Discord refused us for good (token, intents)
        self._hint = ""  # appended to the status line (slash commands never registered)
        self._gateway: Gateway | None = None
        self._intake: Intake | None = None
        self._task: asyncio.Task[None] | None = None
        self._tree: app_commands.CommandTree[discord.Client] | None = None
        self._state = "not started"
        self._outage = Outage(log, "Discord")
        # discord.py says so at every login attempt, and logs a traceback at every reconnect attempt.
        quiet(("discord.client",), LogOnce("logging in using static token"))
        quiet(("discord.client", "discord.gateway"),
              OutageLog(("Attempting a reconnect in",), ("Shard ID",)))

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    @property
    def has_allowlist(self) -> bool:
        return not self._access.open

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        channel_id = int(inbound.chat_id)
        ref = InteractionRef.of(inbound)
        if ref is None:
            reply_to = inbound.reply_route.get(REPLY_TO)
            ops = ChannelOps(self.client, channel_id, int(reply_to) if reply_to else None)
            return PagedOutlet(ops, self._limits, pacer)
        hook = InteractionWebhook(self.client, ref)
        interaction = InteractionOps(hook, ref, ChannelOps(self.client, channel_id), self._filled,
                                     token_life=self._token_life)
        return PagedOutlet(interaction, self._limits, pacer)

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        return await fetch(self.client, attachment, max_bytes)

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Logs in (a bad token stops start-up), connects, and waits a while for READY."""
        point_at(self._settings.api_base, self._settings.gateway_url)
        self._gateway = gateway
        self._intake = Intake(gateway, self.client, auto_thread=self._settings.auto_thread)
        self.client.listener = self._intake
        self._tree = build_tree(self.client, self._intake)  # serves them; registering is `discord sync`
        logged_in = await self._first_login()
        self._task = asyncio.create_task(self._run(logged_in), name="discord connection")
        if logged_in:
            await self._wait_ready()

    def ready(self) -> bool:
        accepting = self._intake is not None and self._intake.accepting
        return accepting and self.client.is_ready() and not self.client.is_closed() and not self._failed

    def status(self) -> str:
        if self.client.is_ready() and not self._failed and not self.client.is_closed():
            return self._connected() + self._hint
        return self._state

    async def stop_intake(self) -> None:
        if self._intake is not None:
            self._intake.accepting = False

    async def close(self) -> None:
        await self.client.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._state = "stopped"

    async def _first_login(self) -> bool:
        try:
            await self.client.login(self._token)
            return True
        except discord.LoginFailure:
            await self.client.close()
            raise BadSetting(f"Discord {TOKEN_REFUSED}") from None
        except NETWORK_ERRORS as exc:
            await self._drop_session()
            self._state = f"connecting (Discord unreachable: {exc})"
            self._outage.failed(exc, self._retry_delay)
            return False

    async def _drop_session(self) -> None:
        """discord.py opens a new HTTP session per login but keeps its connector: close the old
        session and let the next login make a fresh connector too."""
        await self.client.http.close()
        self.client.http.connector = discord.utils.MISSING

    async def _wait_ready(self) -> None:
        """Raises StartupError when Discord refuses us for good (e.g. an intent not enabled)."""
        assert self._task is not None
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        try:
            await asyncio.wait({ready, self._task}, timeout=self._ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._failed:
            await self.client.close()
            raise StartupError(f"Discord {self._state}")
        if self.client.is_ready():
            self._hint = await self._commands_hint()
        else:
            self._state = "connecting (no READY from the gateway yet)"

    def _connected(self) -> str:
        user = self.client.user
        guilds = len(self.client.guilds)
        intent = "on" if self._settings.message_content else "off"
        return f"gateway as {user} in {guilds} server{'s' if guilds != 1 else ''} (message content {intent})"

    async def _commands_hint(self) -> str:
        """Says so when the slash commands were never registered (a first run's usual surprise)."""
        guild_id = self._settings.guild_id
        try:
            assert self._tree is not None
            registered = await self._tree.fetch_commands()
            if guild_id and not registered:
                registered = await self._tree.fetch_commands(guild=discord.Object(id=int(guild_id)))
        except (*NETWORK_ERRORS, ValueError) as exc:
            log.info("could not list the registered slash commands: %s", exc)
            return ""
        return "" if registered else "; no slash commands yet: run `switchboard discord sync`"

    def _give_up(self, why: str) -> None:
        self._failed = True
        self._state = why
        log.error("Discord %s", why)

    async def _run(self, logged_in: bool) -> None:
        """Keeps the gateway connected; discord.py resumes sessions, this retries what it gives up."""
        delay = self._retry_delay
        while not self.client.is_closed():
            try:
                if not logged_in:
                    try:
                        await self.client.login(self._token)
                    except NETWORK_ERRORS:
                        await self._drop_session()
                        raise
                    logged_in = True
                    self._outage.recovered("logged in; connecting to the gateway")
                await self.client.connect(reconnect=True)
                return  # close() was called
            except discord.PrivilegedIntentsRequired:
                self._give_up(INTENT_REFUSED)
                return
            except discord.LoginFailure:
                self._give_up(TOKEN_REFUSED)
                return
            except Exception as exc:  # outermost boundary of the connection task: it must not die
                if self.client.is_closed():  # discord.py closed for good (e.g. authentication failed)
                    self._give_up(f"disconnected ({type(exc).__name__}: {exc})")
                    return
                self._state = f"reconnecting ({type(exc).__name__}: {exc})"
                self._outage.failed(exc, delay)
                await asyncio.sleep(delay)  # backoff between attempts is the point here
                delay = min(delay * 2, RETRY_MAX)

"""The Discord adapter: the connection (login, gateway, reconnects), limits, outlets, access."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
from discord import app_commands

from bots.discord.access import AccessList
from bots.discord.client import SwitchboardClient
from bots.discord.commands import build_tree
from bots.discord.endpoints import point_at
from bots.discord.intake import Intake
from bots.discord.outlet import MAX_CHARS, TOKEN_LIFE, ChannelOps, FilledOriginals, InteractionOps
from bots.discord.refs import PLATFORM, REPLY_TO, InteractionRef
from bots.discord.webhook import InteractionWebhook
from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import Inbound, Limits
from core.web import WebServer

log = logging.getLogger(__name__)

# Discord's per-channel message limit is about 5 per 5 s and edits count. A budget of burst B and
# one update per T never exceeds N per W s when T > W / (N - B + 1): B = 2 -> over 1.25 s.
EDIT_INTERVAL = 1.3
BURST = 2  # the final text goes out at once while previews keep to the sustained rate
READY_TIMEOUT = 30.0  # seconds start() waits for the gateway's READY before going on regardless
STOP_GRACE = 10.0  # seconds replies still streaming get to finish on shutdown
RETRY_MAX = 60.0  # seconds between attempts to reach Discord at most
NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)
TOKEN_REFUSED = ("rejected DISCORD_BOT_TOKEN (401 Unauthorized): copy it again from the Developer Portal "
                 "(your application → Bot → Reset Token)")
INTENT_REFUSED = ("refused the Message Content intent: enable it in the Developer Portal (your application → "
                  "Bot → Privileged Gateway Intents → Message Content Intent) or set DISCORD_MESSAGE_CONTENT=false")


class DiscordAdapter:
    name = PLATFORM

    def __init__(self, settings: Settings, *, edit_interval: float = EDIT_INTERVAL, burst: int = BURST,
                 guild_ready_timeout: float = 2.0, ready_timeout: float = READY_TIMEOUT,
                 stop_grace: float = STOP_GRACE, token_life: float = TOKEN_LIFE, retry_delay: float = 1.0) -> None:
        self._settings = settings
        self._token = settings.discord_bot_token.get_secret_value()
        self._limits = Limits(max_chars=MAX_CHARS, min_edit_interval=edit_interval, burst=burst)
        self._access = AccessList.parse(settings.discord_allowed_users, settings.discord_allowed_roles,
                                        settings.discord_allowed_channels)
        self.client = SwitchboardClient(message_content=settings.discord_message_content,
                                        guild_ready_timeout=guild_ready_timeout)
        self._filled = FilledOriginals(token_life)
        self._token_life = token_life
        self._ready_timeout = ready_timeout
        self._stop_grace = stop_grace
        self._retry_delay = retry_delay  # the first wait before reaching Discord again; it doubles
        self._failed = False  # Discord refused us for good (token, intents)
        self._hint = ""  # appended to the status line (slash commands never registered)
        self._gateway: Gateway | None = None
        self._intake: Intake | None = None
        self._task: asyncio.Task[None] | None = None
        self._tree: app_commands.CommandTree[discord.Client] | None = None
        self._state = "not started"

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer) -> Outlet:
        channel_id = int(inbound.chat_id)
        ref = InteractionRef.of(inbound)
        if ref is None:
            reply_to = inbound.reply_ref.get(REPLY_TO)
            ops = ChannelOps(self.client, channel_id, int(reply_to) if reply_to else None)
            return PagedOutlet(ops, self._limits, pacer)
        hook = InteractionWebhook(self.client, ref)
        interaction = InteractionOps(hook, ref, ChannelOps(self.client, channel_id), self._filled,
                                     token_life=self._token_life)
        return PagedOutlet(interaction, self._limits, pacer)

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Logs in (a bad token stops start-up), connects, and waits a while for READY."""
        point_at(self._settings.discord_api_base, self._settings.discord_gateway_url)
        self._gateway = gateway
        self._intake = Intake(gateway, self.client, self._access, auto_thread=self._settings.discord_auto_thread)
        self.client.listener = self._intake
        self._tree = build_tree(self.client, self._intake)  # serves them; registering is `discord sync`
        logged_in = await self._first_login()
        self._task = asyncio.create_task(self._run(logged_in), name="discord connection")
        if logged_in:
            await self._wait_ready()

    def status(self) -> str:
        if self.client.is_ready() and not self._failed and not self.client.is_closed():
            return self._connected() + self._hint
        return self._state

    async def stop(self) -> None:
        if self._intake is not None:
            self._intake.accepting = False
        if self._gateway is not None:  # replies still streaming need the client's HTTP session
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._gateway.join()), self._stop_grace)
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
            raise StartupError(f"Discord {TOKEN_REFUSED}") from None
        except NETWORK_ERRORS as exc:
            await self._drop_session()
            self._state = f"connecting (Discord unreachable: {exc})"
            log.warning("Discord is unreachable (%s); retrying in the background", exc)
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
        intent = "on" if self._settings.discord_message_content else "off"
        return f"gateway as {user} in {guilds} server{'s' if guilds != 1 else ''} (message content {intent})"

    async def _commands_hint(self) -> str:
        """Says so when the slash commands were never registered (a first run's usual surprise)."""
        guild_id = self._settings.discord_guild_id
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
                log.warning("Discord connection failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)  # backoff between attempts is the point here
                delay = min(delay * 2, RETRY_MAX)

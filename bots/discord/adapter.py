"""The Discord adapter: login, the gateway shards this replica holds, limits, outlets, access.

A REST-only client (logged in, never connected to the gateway) sends every reply; each shard's
gateway connection lives in bots/discord/shards.py and runs only while this replica holds that
shard's role (a lease in Redis), so several replicas share one bot without two sessions per shard.
"""

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
from bots.discord.shards import TOKEN_REFUSED, ShardConnection
from bots.discord.webhook import InteractionWebhook, payload
from bots.quiet_logs import LogOnce, Outage, OutageLog, quiet
from core.backlog import IntakeBacklog
from core.errors import BadSetting, StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Inbound, Limits
from core.web import WebServer

log = logging.getLogger(__name__)

# Discord's per-channel message limit is about 5 per 5 s and edits count. A budget of burst B and
# one update per T never exceeds N per W s when T > W / (N - B + 1): B = 2 -> over 1.25 s.
EDIT_INTERVAL = 1.3
BURST = 2  # the final text goes out at once while previews keep to the sustained rate
READY_TIMEOUT = 30.0  # seconds start() waits for the gateway's READY before going on regardless
ROLE_WAIT = 2.0  # seconds start() waits to learn which shards this replica connects
RETRY_MAX = 60.0  # seconds between attempts to reach Discord at most
NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)
BACKLOG_FULL = "I can't take messages right now (my storage is unreachable). Please send that again in a few minutes."


class DiscordAdapter:
    name = PLATFORM

    def __init__(self, settings: DiscordSettings, *, edit_interval: float = EDIT_INTERVAL, burst: int = BURST,
                 guild_ready_timeout: float = 2.0, ready_timeout: float = READY_TIMEOUT,
                 token_life: float = TOKEN_LIFE, retry_delay: float = 1.0) -> None:
        self._settings = settings
        self._token = settings.bot_token.get_secret_value()
        self._limits = Limits(max_chars=MAX_CHARS, min_edit_interval=edit_interval, burst=burst)
        self._access = AccessList.parse(users=settings.allowed_users, roles=settings.allowed_roles,
                                        chats=settings.allowed_channels)
        self.client = SwitchboardClient(message_content=settings.message_content)  # REST only: every reply
        self._filled = FilledOriginals(token_life)
        self._token_life = token_life
        self._guild_ready_timeout = guild_ready_timeout
        self._ready_timeout = ready_timeout
        self._retry_delay = retry_delay  # the first wait before reaching Discord again; it doubles
        self._failed = ""  # Discord refused us for good (token, intents)
        self._hint = ""  # appended to the status line (slash commands never registered)
        self._gateway: Gateway | None = None
        self._intake: Intake | None = None
        self._backlog: IntakeBacklog | None = None
        self._task: asyncio.Task[None] | None = None
        self._tree: app_commands.CommandTree[discord.Client] | None = None
        self.shards: dict[int, ShardConnection] = {}  # the shards this replica connects now
        self._decided: set[int] = set()  # shards whose role this replica took or stands by for
        self._role_change = asyncio.Event()
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
        """Logs in (a bad token stops start-up), takes the shards no replica holds, and waits a
        while for their READY."""
        point_at(self._settings.api_base, self._settings.gateway_url)
        self._gateway = gateway
        self._backlog = IntakeBacklog(gateway, limit=self._settings.backlog, refused=self._refused)
        self._intake = Intake(gateway, self.client, auto_thread=self._settings.auto_thread, backlog=self._backlog)
        self._tree = build_tree(self.client, self._intake)  # for listing what is registered; `discord sync` registers
        logged_in = await self._first_login()
        self._task = asyncio.create_task(self._run(logged_in), name="discord connection")
        if logged_in:
            await self._wait_ready()

    def ready(self) -> bool:
        """Taking updates: logged in, every shard's role settled, and the shards held here READY."""
        accepting = self._intake is not None and self._intake.accepting
        settled = len(self._decided) >= self._settings.shard_count
        shards_ready = all(s.client.is_ready() and not s.client.is_closed() for s in self.shards.values())
        return accepting and not self._failed and self.client.user is not None and settled and shards_ready

    def status(self) -> str:
        if self._failed:
            return self._failed
        ready = [s for s in self.shards.values() if s.client.is_ready() and not s.client.is_closed()]
        if ready:
            return self._connected(ready) + self._hint
        if self._decided and not self.shards:
            return f"standing by as {self.client.user} (other replicas hold the gateway shards)"
        return self._state

    async def stop_intake(self) -> None:
        """Stops taking events and frees the shards at once, so a standby replica connects them."""
        if self._intake is not None:
            self._intake.accepting = False
        await self._stop_shards()

    async def close(self) -> None:
        await self._stop_shards()
        if self._backlog is not None:
            await self._backlog.close()
        await self.client.close()
        self._state = "stopped"

    async def _stop_shards(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

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

    async def _run(self, logged_in: bool) -> None:
        """Logs in (retrying while Discord is unreachable), then plays every shard's role."""
        delay = self._retry_delay
        while not logged_in:
            try:
                await self.client.login(self._token)
                logged_in = True
                self._outage.recovered("logged in; connecting to the gateway")
            except discord.LoginFailure:
                self._give_up(f"Discord {TOKEN_REFUSED}")
                return
            except NETWORK_ERRORS as exc:
                await self._drop_session()
                self._state = f"connecting (Discord unreachable: {exc})"
                self._outage.failed(exc, delay)
                await asyncio.sleep(delay)  # backoff between attempts is the point here
                delay = min(delay * 2, RETRY_MAX)
        count = self._settings.shard_count
        await asyncio.gather(*(self._play_shard(shard_id, count) for shard_id in range(count)))

    async def _play_shard(self, shard_id: int, count: int) -> None:
        assert self._gateway is not None and self._intake is not None
        intake = self._intake
        role = self._gateway.exclusive(f"discord-shard:{self.client.application_id}:{shard_id}/{count}")

        async def connect() -> None:
            shard = ShardConnection(shard_id, count, token=self._token, message_content=self._settings.message_content,
                                    guild_ready_timeout=self._guild_ready_timeout, listener=intake, handler=intake,
                                    retry_delay=self._retry_delay, on_state=self._shard_state)
            self.shards[shard_id] = shard
            self._role_change.set()
            try:
                await shard.run()
            finally:
                self.shards.pop(shard_id, None)
            if shard.failed:
                self._give_up(f"Discord {shard.failed}")

        def decided(held: bool) -> None:
            self._decided.add(shard_id)
            self._role_change.set()

        await role.run(connect, decided)

    def _shard_state(self, state: str) -> None:
        self._state = state

    def _give_up(self, why: str) -> None:
        self._failed = why
        self._role_change.set()

    async def _wait_ready(self) -> None:
        """Waits until every shard is taken or stood by for, and the taken ones are READY (or the
        time runs out); raises StartupError when Discord refuses us for good (e.g. an intent)."""
        loop = asyncio.get_running_loop()
        deadline, decide_by = loop.time() + self._ready_timeout, loop.time() + ROLE_WAIT
        while not self._failed:
            now = loop.time()
            undecided = len(self._decided) < self._settings.shard_count and now < decide_by
            connecting = [s for s in self.shards.values() if not s.client.is_ready()]
            if (not undecided and not connecting) or now >= deadline:
                break
            self._role_change.clear()
            changed = asyncio.ensure_future(self._role_change.wait())
            ready = [asyncio.ensure_future(s.client.wait_until_ready()) for s in connecting]
            try:
                await asyncio.wait({changed, *ready}, timeout=min(deadline, decide_by) - now if undecided
                                   else deadline - now, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for future in (changed, *ready):
                    future.cancel()
        if self._failed:
            await self.close()
            raise StartupError(self._failed)
        if any(s.client.is_ready() for s in self.shards.values()):
            self._hint = await self._commands_hint()
        elif self.shards:
            self._state = "connecting (no READY from the gateway yet)"

    def _connected(self, ready: list[ShardConnection]) -> str:
        guilds = sum(len(s.client.guilds) for s in ready)
        intent = "on" if self._settings.message_content else "off"
        count = self._settings.shard_count
        held = "" if count == 1 else f", shards {','.join(str(s.shard_id) for s in ready)} of {count}"
        return (f"gateway as {self.client.user} in {guilds} server{'s' if guilds != 1 else ''}{held} "
                f"(message content {intent})")

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

    async def _refused(self, inbound: Inbound) -> None:
        """The backlog is full: one line where the user asked, straight through REST (no Redis)."""
        try:
            ref = InteractionRef.of(inbound)
            if ref is not None:
                await InteractionWebhook(self.client, ref).edit_original(payload(BACKLOG_FULL))
            else:
                reply_to = inbound.reply_route.get(REPLY_TO)
                channel = ChannelOps(self.client, int(inbound.chat_id), int(reply_to) if reply_to else None)
                await channel.post(BACKLOG_FULL)
        except NETWORK_ERRORS as exc:
            log.info("could not tell a user their message was refused: %s", exc)

"""The Slack adapter: connection (Socket Mode or HTTP events), limits, outlets, access."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError

from bots.access import AccessList
from bots.quiet_logs import Drop, Outage, quiet
from bots.slack.client import make_client
from bots.slack.errors import error_code
from bots.slack.files import fetch
from bots.slack.http_events import EVENTS_PATH, EventsEndpoint
from bots.slack.listeners import Intake
from bots.slack.outlet import OutletFactory
from bots.slack.settings import SlackSettings
from bots.slack.socket_mode import SocketConnection
from bots.slack.target import PLATFORM
from core.errors import BadSetting, StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Inbound, Limits
from core.web import WebServer

log = logging.getLogger(__name__)

T = TypeVar("T")

# chat.update is Tier 3 (50+ calls a minute per workspace) and chat.postMessage about one
# message a second per channel, bursts allowed (docs.slack.dev/apis/web-api/rate-limits). A budget
# of burst B and one update per T never exceeds N per W s when T > W / (N - B + 1): B = 2 and
# 50 a minute -> over 1.22 s; 1.25 s keeps one channel within both rules.
EDIT_INTERVAL = 1.25
BURST = 2  # the final text goes out at once while previews keep to the sustained rate
PAGE_CHARS = 3_900  # post/update: Slack cuts text at 40,000, but past ~4,000 it reads badly
STREAM_PAGE_CHARS = 11_000  # one streamed message, under the 12,000 markdown_text limit
PING_INTERVAL = 10.0  # Socket Mode ping; a dead connection is noticed within a few of these
CONNECT_WAIT = 5.0  # seconds start() waits for the WebSocket before reporting "connecting"
RETRY_MAX = 60.0  # seconds between attempts to reach Slack at most
BOLT_LOGGER = "bots.slack.bolt"


class SlackUnreachable(Exception):
    """Slack did not answer (network, or a 5xx): worth trying again later."""


_AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                          "token_expired", "not_allowed_token_type"})


class SlackAdapter:
    name = PLATFORM

    def __init__(self, settings: SlackSettings, *, edit_interval: float = EDIT_INTERVAL, burst: int = BURST,
                 page_chars: int = PAGE_CHARS, stream_page_chars: int = STREAM_PAGE_CHARS,
                 ping_interval: float = PING_INTERVAL, rate_limit_retries: int = 1,
                 retry_delay: float = 1.0) -> None:
        app_token = settings.app_token.get_secret_value()
        secret = settings.signing_secret.get_secret_value()
        self.http_mode = not app_token and bool(secret)  # the app token wins when both are set
        self._bot_token = settings.bot_token.get_secret_value()
        self.client = make_client(self._bot_token, settings.api_url, rate_limit_retries=rate_limit_retries)
        # bolt also reads SLACK_BOT_TOKEN from the environment and warns that our client wins: it should.
        quiet((BOLT_LOGGER,), Drop(warning_client_prioritized_and_token_skipped()))
        self.app = AsyncApp(client=self.client, signing_secret=secret, process_before_response=True,
                            name="switchboard", logger=logging.getLogger(BOLT_LOGGER),
                            attaching_conversation_kwargs_enabled=False)
        self._socket = None if self.http_mode else SocketConnection(self.app, app_token,
                                                                    ping_interval=ping_interval)
        self._slash = "/" + settings.slash_command.strip().lstrip("/")
        self._prompts = settings.prompts()
        self._access = AccessList.parse(users=settings.allowed_users, chats=settings.allowed_channels)
        self._limits = Limits(max_chars=page_chars, min_edit_interval=edit_interval, burst=burst)
        self._session: aiohttp.ClientSession | None = None
        self._bot_name = ""
        self.outlets = OutletFactory(
            self.client, mode=settings.streaming, paged=self._limits,
            streamed=Limits(max_chars=stream_page_chars, min_edit_interval=edit_interval, burst=burst),
            session=lambda: self._session, bot_name=lambda: self._bot_name, stop=self._stop_reply)
        self._gateway: Gateway | None = None
        self._intake: Intake | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._intake_open = True
        self._retry_delay = retry_delay  # the first wait before reaching Slack again; it doubles
        self._outage = Outage(log, "Slack")
        self._state = "not started"

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    @property
    def has_allowlist(self) -> bool:
        return not self._access.open

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        return self.outlets.build(inbound, pacer, facts)

    async def _stop_reply(self, inbound: Inbound) -> None:
        if self._gateway is not None:
            await self._gateway.stop(inbound)

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        return await fetch(self._session, self._bot_token, attachment, max_bytes)

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Checks both tokens in the foreground (a rejected one stops start-up), then connects.
        Slack unreachable does not: it is tried again in the background until it answers."""
        self._gateway = gateway
        self._session = aiohttp.ClientSession()
        self.client.session = self._session  # one connection pool for every Web API call
        self._intake = Intake(gateway, self._slash, self._prompts)
        self._intake.register(self.app)
        if self._socket is None:
            web.add_post(EVENTS_PATH, EventsEndpoint(self.app, lambda: self._intake_open).handle)
        try:
            who, url = await self._reach()
        except SlackUnreachable as exc:
            self._state = f"connecting (Slack unreachable: {exc})"
            self._outage.failed(exc, self._retry_delay)
            self._connecting = asyncio.create_task(self._keep_trying(), name="slack start-up")
            return
        except StartupError:
            await self._close_session()  # stop() is never called for an adapter that did not start
            raise
        if self._socket is None:
            self._state = f"HTTP events at {EVENTS_PATH} as {who}"
            return
        self._connecting = asyncio.create_task(self._connect(url, who), name="slack socket mode")
        await asyncio.wait({self._connecting}, timeout=CONNECT_WAIT)
        if not self._connecting.done():
            self._state = "connecting (Socket Mode)"

    async def _reach(self) -> tuple[str, str]:
        """Who we are, and (Socket Mode) a WebSocket URL: both tokens checked."""
        me = await self._guarded("SLACK_BOT_TOKEN", self.client.auth_test())
        self._bot_name = str(me.get("user") or "")
        who = f"@{self._bot_name} in {me.get('team') or me.get('team_id')}"
        url = "" if self._socket is None else await self._guarded("SLACK_APP_TOKEN", self._socket.issue_url())
        return who, url

    async def _keep_trying(self) -> None:
        """Start-up found Slack unreachable: try again with backoff until it answers."""
        delay = self._retry_delay
        while True:
            await asyncio.sleep(delay)  # backoff between attempts is the point here
            try:
                who, url = await self._reach()
            except SlackUnreachable as exc:
                delay = min(delay * 2, RETRY_MAX)
                self._state = f"connecting (Slack unreachable: {exc})"
                self._outage.failed(exc, delay)
                continue
            except StartupError as exc:  # a token rejected once Slack answered: nothing to retry
                self._state = f"stopped: {exc}"
                log.error("%s", exc)
                return
            if self._socket is None:
                self._state = f"HTTP events at {EVENTS_PATH} as {who}"
            else:
                await self._connect(url, who)
            self._outage.recovered(self._state)
            return

    async def _guarded(self, setting: str, call: Awaitable[T]) -> T:
        """A start-up call: a failure becomes the one line the operator must act on, or SlackUnreachable."""
        try:
            return await call
        except SlackApiError as exc:
            code = error_code(exc)
            if code in _AUTH_ERRORS:
                raise BadSetting(f"Slack rejected {setting} ({code}); copy it again from your app's "
                                 "settings at api.slack.com/apps.") from None
            if exc.response.status_code >= 500:
                raise SlackUnreachable(f"HTTP {exc.response.status_code}") from None
            raise StartupError(f"Slack refused the start-up call for {setting}: {code or exc}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise SlackUnreachable(str(exc) or type(exc).__name__) from None

    async def _connect(self, url: str, who: str) -> None:
        assert self._socket is not None
        await self._socket.connect(url)
        self._state = f"socket mode as {who}"
        log.info("Slack connected: %s", self._state)

    def status(self) -> str:
        return self._state

    def ready(self) -> bool:
        if not self._intake_open or self._intake is None:
            return False
        return self._socket is None or self._socket.connected()  # HTTP events: ready once started

    async def stop_intake(self) -> None:
        self._intake_open = False  # HTTP events now get 503: Slack re-sends them
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._intake is not None:
            await self._intake.drain()

    async def close(self) -> None:
        await self._close_session()
        self._state = "stopped"

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self.client.session = None

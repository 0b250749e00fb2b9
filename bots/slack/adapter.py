"""The Slack adapter: connection (Socket Mode or HTTP events), limits, outlets, access."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bots.slack.access import AccessList
from bots.slack.client import make_client
from bots.slack.errors import error_code
from bots.slack.http_events import EVENTS_PATH, EventsEndpoint
from bots.slack.listeners import Intake
from bots.slack.outlet import OutletFactory
from bots.slack.socket_mode import SocketConnection
from bots.slack.target import PLATFORM
from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.store.pacing import ChatPacer
from core.types import Inbound, Limits
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
STOP_GRACE = 10.0  # seconds replies still streaming get to finish on shutdown
_AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                          "token_expired", "not_allowed_token_type"})


class SlackAdapter:
    name = PLATFORM

    def __init__(self, settings: Settings, *, edit_interval: float = EDIT_INTERVAL, burst: int = BURST,
                 page_chars: int = PAGE_CHARS, stream_page_chars: int = STREAM_PAGE_CHARS,
                 ping_interval: float = PING_INTERVAL, rate_limit_retries: int = 1,
                 stop_grace: float = STOP_GRACE) -> None:
        app_token = settings.slack_app_token.get_secret_value()
        secret = settings.slack_signing_secret.get_secret_value()
        self.http_mode = not app_token and bool(secret)  # the app token wins when both are set
        self.client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url,
                                  rate_limit_retries=rate_limit_retries)
        self.app = AsyncApp(client=self.client, signing_secret=secret, process_before_response=True,
                            name="switchboard", logger=logging.getLogger("bots.slack.bolt"),
                            attaching_conversation_kwargs_enabled=False)
        self._socket = None if self.http_mode else SocketConnection(self.app, app_token,
                                                                    ping_interval=ping_interval)
        self._slash = "/" + settings.slack_slash_command.strip().lstrip("/")
        self._access = AccessList.parse(settings.slack_allowed_users, settings.slack_allowed_channels)
        self._limits = Limits(max_chars=page_chars, min_edit_interval=edit_interval, burst=burst)
        self._session: aiohttp.ClientSession | None = None
        self._bot_name = ""
        self.outlets = OutletFactory(
            self.client, mode=settings.slack_streaming, paged=self._limits,
            streamed=Limits(max_chars=stream_page_chars, min_edit_interval=edit_interval, burst=burst),
            session=lambda: self._session, bot_name=lambda: self._bot_name)
        self._stop_grace = stop_grace
        self._gateway: Gateway | None = None
        self._intake: Intake | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._state = "not started"

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._limits

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer) -> Outlet:
        return self.outlets.build(inbound, pacer)

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Checks both tokens in the foreground (a bad one stops start-up), then connects."""
        self._gateway = gateway
        self._session = aiohttp.ClientSession()
        self.client.session = self._session  # one connection pool for every Web API call
        self._intake = Intake(gateway, self._slash)
        self._intake.register(self.app)
        try:
            who = await self._identify()
            url = "" if self._socket is None else await self._guarded("SLACK_APP_TOKEN", self._socket.issue_url())
        except StartupError:
            await self._close_session()  # stop() is never called for an adapter that did not start
            raise
        if self._socket is None:
            web.add_post(EVENTS_PATH, EventsEndpoint(self.app).handle)
            self._state = f"HTTP events at {EVENTS_PATH} as {who}"
            return
        self._connecting = asyncio.create_task(self._connect(url, who), name="slack socket mode")
        await asyncio.wait({self._connecting}, timeout=CONNECT_WAIT)
        if not self._connecting.done():
            self._state = "connecting (Socket Mode)"

    async def _identify(self) -> str:
        me = await self._guarded("SLACK_BOT_TOKEN", self.client.auth_test())
        self._bot_name = str(me.get("user") or "")
        return f"@{self._bot_name} in {me.get('team') or me.get('team_id')}"

    async def _guarded(self, setting: str, call: Awaitable[T]) -> T:
        """A start-up call: any failure becomes the one line the operator must act on."""
        try:
            return await call
        except SlackApiError as exc:
            code = error_code(exc)
            if code in _AUTH_ERRORS:
                raise StartupError(f"Slack rejected {setting} ({code}); copy it again from your app's "
                                   "settings at api.slack.com/apps.") from None
            raise StartupError(f"Slack refused the start-up call for {setting}: {code or exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise StartupError(f"Slack is unreachable ({exc or type(exc).__name__}); "
                               "check SLACK_API_URL and the network.") from None

    async def _connect(self, url: str, who: str) -> None:
        assert self._socket is not None
        await self._socket.connect(url)
        self._state = f"socket mode as {who}"
        log.info("Slack connected: %s", self._state)

    def status(self) -> str:
        return self._state

    async def stop(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._intake is not None:
            await self._intake.drain()
        if self._gateway is not None:  # replies still streaming need the client's session
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._gateway.join()), self._stop_grace)
        await self._close_session()
        self._state = "stopped"

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self.client.session = None

"""The Telegram adapter: connection (long polling or webhook), limits, outlets, access."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Dispatcher
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bots.access import AccessList
from bots.quiet_logs import Outage
from bots.telegram.albums import QUIET, Albums
from bots.telegram.client import close_bot, make_bot
from bots.telegram.drafts import DraftOutlet, FinishedDrafts
from bots.telegram.files import fetch
from bots.telegram.formatting import MAX_TEXT
from bots.telegram.handlers import Intake
from bots.telegram.inbound import PLATFORM
from bots.telegram.outlet import TelegramOps
from bots.telegram.polling import LongPoll
from bots.telegram.polling_health import PollingHealth
from bots.telegram.rich import RichSwitch
from bots.telegram.sender import ChatSender
from bots.telegram.settings import TelegramSettings
from bots.telegram.webhook import UnreadableUpdate, WebhookReceiver, route_path, webhook_secret, webhook_url
from core.commands import COMMANDS
from core.errors import BadSetting, IntakeClosed, StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Attachment, Inbound, Limits
from core.web import WebServer

log = logging.getLogger(__name__)

# Bot FAQ, "My bot is hitting limits, how do I avoid this?"
# (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
# "avoid sending more than one message per second" in a chat ("short bursts" allowed), and
# "not able to send more than 20 messages per minute to the same group". Edits count too.
# A budget of burst B and one update per T never exceeds N per W s when T > W / (N - B + 1):
# groups, B = 2, 20 a minute -> 3.2 s (19 calls would need 3.16 s; 0.8 s spare for jitter).
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.2
BURST = 2  # the final text goes out at once while previews keep to the sustained rate
RECONNECT = BackoffConfig(min_delay=1.0, max_delay=60.0, factor=2.0, jitter=0.1)
POLL_RETRY = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)
POLL_TIMEOUT = 25  # seconds a getUpdates long poll waits for news
ROLE_WAIT = 2.0  # seconds start() waits to learn whether this replica polls or stands by
STOP_WAIT = 5.0  # seconds stop_intake() lets the poller finish the batch in hand


class TelegramAdapter:
    name = PLATFORM

    def __init__(self, settings: TelegramSettings, *, private_interval: float = PRIVATE_INTERVAL,
                 group_interval: float = GROUP_INTERVAL, burst: int = BURST, reconnect: BackoffConfig = RECONNECT,
                 poll_retry: BackoffConfig = POLL_RETRY, poll_timeout: int = POLL_TIMEOUT,
                 album_wait: float = QUIET) -> None:
        self.bot = make_bot(settings)
        self.dispatcher = Dispatcher()
        self._access = AccessList.parse(users=settings.allowed_users, chats=settings.allowed_chats)
        self._private = Limits(max_chars=MAX_TEXT, min_edit_interval=private_interval, burst=burst)
        self._group = Limits(max_chars=MAX_TEXT, min_edit_interval=group_interval, burst=burst)
        self._drafts = settings.drafts
        self._rich = RichSwitch(settings.rich_messages)
        self._finished_drafts = FinishedDrafts()
        configured = settings.webhook_url
        self.webhook = webhook_url(configured) if configured else ""
        self._secret = webhook_secret(settings.webhook_secret.get_secret_value(),
                                      settings.bot_token.get_secret_value())
        self._reconnect, self._poll_retry, self._poll_timeout = reconnect, poll_retry, poll_timeout
        self._album_wait = album_wait  # seconds without a new item before an album is answered
        self._outage = Outage(log, "Telegram")
        self._accepting = True
        self._connected = False  # the set-up calls went through; polling is watched by _health
        self._health = PollingHealth()
        if not self.webhook:  # only getUpdates is watched: a webhook bot's calls skip the extra layer
            self.bot.session.middleware(self._health)
        self._gateway: Gateway | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._polling = False  # this replica holds the poller role
        self._role_known = asyncio.Event()
        self._username = ""
        self._state = "not started"

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._private if inbound.is_direct else self._group

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    @property
    def has_allowlist(self) -> bool:
        return not self._access.open

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer, *, facts: AnswerFacts | None = None) -> Outlet:
        limits = self.limits_for(inbound)
        if inbound.is_direct and self._drafts:
            sender = ChatSender(self.bot, inbound, pacer, quote=False, rich=self._rich)
            return DraftOutlet(sender, limits, pacer, on_unavailable=self._drafts_unavailable,
                               finished=self._finished_drafts)
        sender = ChatSender(self.bot, inbound, pacer, quote=not inbound.is_direct, rich=self._rich)
        return PagedOutlet(TelegramOps(sender), limits, pacer)

    async def fetch(self, attachment: Attachment, max_bytes: int) -> bytes:
        return await fetch(self.bot, attachment, max_bytes)

    def _drafts_unavailable(self) -> None:
        if self._drafts:
            log.warning("Telegram refused drafts; private replies stream by editing instead")
        self._drafts = False

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Connects once in the foreground (a bad token stops start-up), then keeps at it."""
        self._gateway = gateway
        self.dispatcher.include_router(Intake(gateway, self._finished_drafts, Albums(self._album_wait)).router())
        if self.webhook:
            web.add_post(route_path(self.webhook), WebhookReceiver(self._secret, self.feed).handle)
        ready = await self._first_connect()
        self._task = asyncio.create_task(self._run(ready), name="telegram connection")
        if ready and not self.webhook:
            with contextlib.suppress(TimeoutError):  # the status line says whether this replica polls
                await asyncio.wait_for(self._role_known.wait(), ROLE_WAIT)

    def status(self) -> str:
        return self._state

    def ready(self) -> bool:
        return self._connected and self._accepting and not self._health.failing

    async def stop_intake(self) -> None:
        self._accepting = False  # webhook deliveries now get 503: Telegram re-sends them later
        self._stop.set()  # the poller drops its long poll, finishes the batch in hand, frees the role
        if self._task is not None:
            if not self._polling:
                self._task.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait({self._task}, timeout=STOP_WAIT)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close(self) -> None:
        await close_bot(self.bot)
        self._state = "stopped"

    async def feed(self, data: dict[str, Any]) -> None:
        """One update as a webhook delivered it (IntakeClosed while shutting down)."""
        if not self._accepting:
            raise IntakeClosed
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except (ValidationError, RecursionError) as exc:
            raise UnreadableUpdate(f"not an update aiogram can read ({_first_error(exc)})") from None
        await self.dispatcher.feed_update(self.bot, update)

    async def _first_connect(self) -> bool:
        try:
            await self._prepare()
            return True
        except TelegramUnauthorizedError:
            raise BadSetting("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); "
                             "copy it again from @BotFather.") from None
        except TelegramBadRequest as exc:
            raise StartupError(f"Telegram refused the bot's set-up: {exc.message}") from None
        except AiogramError as exc:
            self._state = f"connecting (Telegram unreachable: {exc})"
            self._outage.failed(exc, self._reconnect.min_delay)
            return False

    async def _prepare(self) -> None:
        me = await self.bot.me()
        await self.bot.set_my_commands(
            [BotCommand(command=c.name, description=c.summary[:256]) for c in COMMANDS if not c.admin])
        if self.webhook:
            await self.bot.set_webhook(self.webhook, secret_token=self._secret,
                                       allowed_updates=self.dispatcher.resolve_used_update_types())
            self._state = f"webhook {self.webhook} as @{me.username}"
        else:
            await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
            self._state = f"polling as @{me.username}"
        self._username = me.username or ""
        self._connected = True

    async def _run(self, ready: bool) -> None:
        """Polls until stopped; any failure is retried with backoff, never given up on."""
        backoff = Backoff(self._reconnect)
        while True:
            try:
                if not ready:
                    await self._prepare()
                    ready = True
                    backoff.reset()
                    self._outage.recovered(self._state)
                if self.webhook:
                    return  # Telegram calls us from now on
                await self._poll_while_chosen()
                return  # stop_intake() was called
            except Exception as exc:  # outermost boundary of the connection task: it must not die
                self._connected = False
                self._state = f"reconnecting ({type(exc).__name__}: {exc})"
                self._outage.failed(exc, backoff.next_delay)
                await backoff.asleep()

    async def _poll_while_chosen(self) -> None:
        """One replica polls a token (two would end each other's requests with 409 Conflict):
        the one holding the poller role; the others stand by to take over."""
        assert self._gateway is not None
        poll = LongPoll(self.bot, self.dispatcher, self._gateway, timeout=self._poll_timeout, retry=self._poll_retry,
                        outage=self._outage)
        role = self._gateway.exclusive(f"telegram-poller:{self.bot.id}")
        await role.run(lambda: poll.run(self._stop), self._chosen)

    def _chosen(self, polling: bool) -> None:
        self._polling = polling
        who = f"@{self._username}"
        self._state = f"polling as {who}" if polling else f"standing by as {who} (another replica polls)"
        self._role_known.set()


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return type(exc).__name__

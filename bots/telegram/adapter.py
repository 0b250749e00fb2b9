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

from bots.telegram.access import AccessList
from bots.telegram.client import close_bot, make_bot
from bots.telegram.drafts import DraftOutlet
from bots.telegram.formatting import MAX_TEXT
from bots.telegram.handlers import Intake
from bots.telegram.inbound import PLATFORM
from bots.telegram.outlet import TelegramOps
from bots.telegram.sender import ChatSender
from bots.telegram.webhook import WebhookReceiver, route_path, webhook_secret, webhook_url
from core.commands import COMMANDS
from core.config import Settings
from core.errors import StartupError
from core.gateway import Gateway
from core.outlet import Outlet
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import Inbound, Limits
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
STOP_GRACE = 10.0  # seconds replies still streaming get to finish on shutdown


class TelegramAdapter:
    name = PLATFORM

    def __init__(self, settings: Settings, *, private_interval: float = PRIVATE_INTERVAL,
                 group_interval: float = GROUP_INTERVAL, burst: int = BURST, reconnect: BackoffConfig = RECONNECT,
                 poll_retry: BackoffConfig = POLL_RETRY, poll_timeout: int = POLL_TIMEOUT,
                 stop_grace: float = STOP_GRACE) -> None:
        self.bot = make_bot(settings)
        self.dispatcher = Dispatcher()
        self._access = AccessList.parse(settings.telegram_allowed_users,
                                        settings.telegram_allowed_chats)
        self._private = Limits(max_chars=MAX_TEXT, min_edit_interval=private_interval, burst=burst)
        self._group = Limits(max_chars=MAX_TEXT, min_edit_interval=group_interval, burst=burst)
        self._drafts = settings.telegram_drafts
        configured = settings.telegram_webhook_url
        self.webhook = webhook_url(configured) if configured else ""
        self._secret = webhook_secret(settings.telegram_webhook_secret.get_secret_value(),
                                      settings.telegram_bot_token.get_secret_value())
        self._reconnect, self._poll_retry, self._poll_timeout = reconnect, poll_retry, poll_timeout
        self._stop_grace = stop_grace
        self._gateway: Gateway | None = None
        self._task: asyncio.Task[None] | None = None
        self._state = "not started"

    # -- what the core asks of a platform ---------------------------------------------------

    def limits_for(self, inbound: Inbound) -> Limits:
        return self._private if inbound.is_direct else self._group

    def is_allowed(self, inbound: Inbound) -> bool:
        return self._access.allows(inbound)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer) -> Outlet:
        limits = self.limits_for(inbound)
        if inbound.is_direct and self._drafts:
            sender = ChatSender(self.bot, inbound, pacer, quote=False)
            return DraftOutlet(sender, limits, pacer, on_unavailable=self._drafts_unavailable)
        sender = ChatSender(self.bot, inbound, pacer, quote=not inbound.is_direct)
        return PagedOutlet(TelegramOps(sender), limits, pacer)

    def _drafts_unavailable(self) -> None:
        if self._drafts:
            log.warning("Telegram refused drafts; private replies stream by editing instead")
        self._drafts = False

    # -- the connection ---------------------------------------------------------------------

    async def start(self, gateway: Gateway, web: WebServer) -> None:
        """Connects once in the foreground (a bad token stops start-up), then keeps at it."""
        self._gateway = gateway
        self.dispatcher.include_router(Intake(gateway).router())
        if self.webhook:
            web.add_post(route_path(self.webhook), WebhookReceiver(self._secret, self.feed).handle)
        ready = await self._first_connect()
        self._task = asyncio.create_task(self._run(ready), name="telegram connection")

    def status(self) -> str:
        return self._state

    async def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # RuntimeError: polling was not running
            await self.dispatcher.stop_polling()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._gateway is not None:  # replies still streaming need the bot's session
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._gateway.join()), self._stop_grace)
        await close_bot(self.bot)
        self._state = "stopped"

    async def feed(self, data: dict[str, Any]) -> None:
        """One update as a webhook delivered it."""
        try:
            update = Update.model_validate(data, context={"bot": self.bot})
        except ValidationError as exc:  # acknowledged: a retry would not parse any better
            log.warning("ignoring an update aiogram cannot read: %s", exc.errors()[:1])
            return
        await self.dispatcher.feed_update(self.bot, update)

    async def _first_connect(self) -> bool:
        try:
            await self._prepare()
            return True
        except TelegramUnauthorizedError:
            raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); "
                               "copy it again from @BotFather.") from None
        except TelegramBadRequest as exc:
            raise StartupError(f"Telegram refused the bot's set-up: {exc.message}") from None
        except AiogramError as exc:
            self._state = f"connecting (Telegram unreachable: {exc})"
            log.warning("Telegram is unreachable (%s); retrying in the background", exc)
            return False

    async def _prepare(self) -> None:
        me = await self.bot.me()
        await self.bot.set_my_commands(
            [BotCommand(command=c.name, description=c.summary[:256]) for c in COMMANDS])
        if self.webhook:
            await self.bot.set_webhook(self.webhook, secret_token=self._secret,
                                       allowed_updates=self.dispatcher.resolve_used_update_types())
            self._state = f"webhook {self.webhook} as @{me.username}"
        else:
            await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
            self._state = f"polling as @{me.username}"

    async def _run(self, ready: bool) -> None:
        """Polls until stopped; any failure is retried with backoff, never given up on."""
        backoff = Backoff(self._reconnect)
        while True:
            try:
                if not ready:
                    await self._prepare()
                    ready = True
                    backoff.reset()
                    log.info("Telegram connected: %s", self._state)
                if self.webhook:
                    return  # Telegram calls us from now on
                await self.dispatcher.start_polling(
                    self.bot, polling_timeout=self._poll_timeout, backoff_config=self._poll_retry,
                    handle_signals=False, close_bot_session=False)
                return  # stop_polling() was called
            except Exception as exc:  # outermost boundary of the connection task: it must not die
                self._state = f"reconnecting ({type(exc).__name__}: {exc})"
                log.warning("Telegram connection failed (%s); retrying in %.1f s",
                            exc, backoff.next_delay)
                await backoff.asleep()

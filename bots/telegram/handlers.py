"""aiogram handlers: each update becomes an Inbound handed to the gateway, or is dropped."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, MessageGenerationStopped, Update

from bots.telegram.addressing import BotIdentity
from bots.telegram.albums import Albums
from bots.telegram.drafts import FinishedDrafts
from bots.telegram.inbound import from_album, from_callback, from_stopped
from bots.telegram.keyboards import STOP_COMMAND, resolve
from bots.telegram.ordering import ChatOrder
from core.commands import COMMAND_NAMES
from core.gateway import Gateway

log = logging.getLogger(__name__)

UNREADABLE = ("I read text, photos, voice notes and files, but not this kind of message. "
              "Send your question as text (a caption works too).")
EXPIRED = "This button has expired. Send the command again."
STOPPING = "Stopping the answer."


async def identity(bot: Bot) -> BotIdentity:
    me = await bot.me()  # getMe once, then cached by aiogram
    return BotIdentity(me.id, me.username or "")


class Intake:
    """Turns aiogram updates into gateway calls; `router()` wires it into a Dispatcher."""

    def __init__(self, gateway: Gateway, finished: FinishedDrafts | None = None, albums: Albums | None = None) -> None:
        self._gateway = gateway
        self._finished = finished if finished is not None else FinishedDrafts()
        self._order = ChatOrder()
        self._albums = albums or Albums()

    def router(self) -> Router:
        router = Router(name="switchboard")
        router.message.register(self.on_message)
        router.callback_query.register(self.on_callback)
        router.stopped_message_generation.register(self.on_stopped)
        return router

    async def on_stopped(self, event: MessageGenerationStopped, bot: Bot, event_update: Update) -> None:
        """Telegram's Stop under a draft: the core stops the answer (its model call too) at once;
        what was written is sent as the final message, marked stopped."""
        await self._order.run(str(event.chat.id), lambda: self._stopped(event, bot, event_update.update_id))

    async def _stopped(self, event: MessageGenerationStopped, bot: Bot, update_id: int) -> None:
        if event.draft_id in self._finished:  # pressed as that answer ended: the next one goes on
            log.info("Stop for a finished answer in chat %s ignored", event.chat.id)
            return
        await self._gateway.stop(from_stopped(event, update_id, await identity(bot)))

    async def on_message(self, message: Message, bot: Bot, event_update: Update) -> None:
        if message.media_group_id and not self._albums.opens(message):
            await self._albums.joined(message)  # the album's first item carries this one too
            return
        await self._order.run(str(message.chat.id),
                              lambda: self._message(message, bot, event_update.update_id))

    async def _message(self, message: Message, bot: Bot, update_id: int) -> None:
        if not message.media_group_id:
            await self._received([message], bot, update_id)
            return
        items, handed = await self._albums.collect(message)
        try:
            await self._received(items, bot, update_id)
        finally:
            handed.set()

    async def _received(self, items: list[Message], bot: Bot, update_id: int) -> None:
        received = from_album(items, update_id, await identity(bot), COMMAND_NAMES)
        if received is None:
            return
        inbound = received.inbound
        if received.media_only:
            await self._gateway.notify(inbound, UNREADABLE)  # once per update, to allowed users only
            return
        await self._gateway.handle(inbound)

    async def on_callback(self, query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        chat = str(query.message.chat.id) if query.message else f"inline:{query.from_user.id}"
        await self._order.run(chat, lambda: self._callback(query, bot, event_update.update_id))

    async def _callback(self, query: CallbackQuery, bot: Bot, update_id: int) -> None:
        command = await resolve(query.data, self._model_commands)
        stop = command == STOP_COMMAND  # the Stop button under an answer being written
        try:
            await query.answer(text=EXPIRED if command is None else STOPPING if stop else None)  # ends the spinner
        except TelegramAPIError as exc:
            log.info("answerCallbackQuery failed: %s", exc)
        if command is None:
            return
        inbound = from_callback(query, update_id, await identity(bot), command)
        if inbound is None:
            return
        if stop:
            await self._gateway.stop(inbound)
        else:
            await self._gateway.handle(inbound)

    async def _model_commands(self) -> list[str]:
        return [f"/model {model}" for model in await self._gateway.usable_models()]

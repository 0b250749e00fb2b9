"""Every Bot API call one reply makes in one chat, with the error handling Telegram needs.

* 429 -> PlatformRetryAfter (the core pauses the chat's budget and merges pending text);
* a network error or 5xx -> a short PlatformRetryAfter too, a few times, then it is raised;
* "message is not modified" -> success; an edit that changes nothing is not even sent;
* formatting refused -> the same message as plain text;
* "message is too long" -> the text again in smaller pieces;
* a rich message refused -> None, and the caller sends today's formatting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, InputRichMessage, ReplyParameters

from bots.telegram.errors import (
    DraftsUnavailable,
    MessageTooLong,
    bad_formatting,
    not_modified,
    too_long,
)
from bots.telegram.formatting import MAX_TEXT, Body, formatted, plain
from bots.telegram.inbound import REPLY_TO
from bots.telegram.rich import RichSwitch
from core.outlet import PlatformRetryAfter
from core.reply.retry_after import NetworkFailures
from core.reply.split import split_pages
from core.store.pacing import ChatPacer
from core.types import Inbound

log = logging.getLogger(__name__)

T = TypeVar("T")
Markup = InlineKeyboardMarkup | None


def _body(text: str, styled: bool) -> Body:
    return formatted(text) if styled else plain(text)


class ChatSender:
    """Sends, edits and drafts for one reply; `styled` asks for Markdown -> entities."""

    def __init__(self, bot: Bot, inbound: Inbound, pacer: ChatPacer, *, quote: bool,
                 rich: RichSwitch | None = None) -> None:
        self._bot = bot
        self.chat_id = int(inbound.chat_id)
        self.thread_id = int(inbound.thread_id) if inbound.thread_id else None
        reply_to = inbound.reply_route.get(REPLY_TO) if quote else None
        self._reply_to = int(reply_to) if reply_to else None  # the first message quotes it
        self._pacer = pacer
        self._failures = NetworkFailures("Telegram")
        self._rich = rich or RichSwitch(False)
        self._shown: dict[int, tuple[Body, Markup]] = {}  # what each message shows, so no-op edits are skipped

    @property
    def rich(self) -> bool:
        """Rich messages may be tried (TELEGRAM_RICH_MESSAGES, and the server has them)."""
        return self._rich.enabled

    async def send(self, text: str, *, styled: bool, markup: Markup = None) -> int:
        """Posts a message; returns its id (the last one's, if it had to be cut in pieces)."""
        try:
            return await self._send(_body(text, styled), text, markup)
        except MessageTooLong:
            log.warning("Telegram found a %d-char page too long; sending it in pieces", len(text))
            pieces = split_pages(text, MAX_TEXT // 2)
            message_id = 0
            for index, piece in enumerate(pieces):
                if index:
                    await self._pacer.wait_turn()
                last = index == len(pieces) - 1
                message_id = await self._send(_body(piece, styled), piece, markup if last else None)
            return message_id

    async def edit(self, message_id: int, text: str, *, styled: bool, markup: Markup = None) -> None:
        """Replaces a message's text (and buttons: none unless `markup`)."""
        body = _body(text, styled)
        if self._shown.get(message_id) == (body, markup):
            return  # Telegram would answer "message is not modified"
        try:
            await self._edit(message_id, body, text, markup)
        except MessageTooLong:
            pieces = split_pages(text, MAX_TEXT // 2)
            await self._edit(message_id, _body(pieces[0], styled), pieces[0], markup)
            if styled:  # a streaming preview keeps only its start; the final text all of it
                for piece in pieces[1:]:
                    await self._pacer.wait_turn()
                    await self._send(_body(piece, styled), piece, None)

    async def send_rich(self, markdown: str) -> int | None:
        """One rich message; its id, or None when Telegram refused it (send today's formatting)."""
        try:
            message = await self._guard(self._bot.send_rich_message(
                chat_id=self.chat_id, rich_message=InputRichMessage(markdown=markdown),
                message_thread_id=self.thread_id, reply_parameters=self._quote()))
        except (TelegramBadRequest, TelegramNotFound) as exc:
            self._rich.refused(exc)
            return None
        self._reply_to = None
        return message.message_id

    async def edit_rich(self, message_id: int, markdown: str) -> bool:
        """Makes a message rich (buttons removed); False when Telegram refused it."""
        try:
            await self._guard(self._bot.edit_message_text(
                chat_id=self.chat_id, message_id=message_id, rich_message=InputRichMessage(markdown=markdown)))
        except (TelegramBadRequest, TelegramNotFound) as exc:
            if not_modified(exc):
                return True
            self._rich.refused(exc)
            return False
        self._shown.pop(message_id, None)  # no longer text: any later edit goes through
        return True

    async def delete(self, message_id: int) -> None:
        """Removes a message; one already gone counts as removed."""
        try:
            await self._guard(self._bot.delete_message(chat_id=self.chat_id, message_id=message_id))
        except TelegramBadRequest as exc:
            log.info("deleteMessage %d: %s", message_id, exc.message)
        self._shown.pop(message_id, None)

    def continuing(self) -> None:
        """The reply's first message was sent by an earlier attempt: later ones quote nothing."""
        self._reply_to = None

    async def draft(self, draft_id: int, text: str) -> None:
        """One sendMessageDraft frame, plain (a half-written entity must not break it), with
        Telegram's Stop button: pressing it sends the bot a stopped_message_generation update.
        The draft stays until the final message replaces it."""
        try:
            await self._guard(self._bot.send_message_draft(
                chat_id=self.chat_id, draft_id=draft_id, text=text,
                message_thread_id=self.thread_id, can_stop=True, keep_on_stop=True))
        except (TelegramBadRequest, TelegramNotFound) as exc:
            raise DraftsUnavailable(exc.message) from exc

    async def typing(self) -> None:
        """Best effort: a lost "typing..." is not worth a retry."""
        try:
            await self._bot.send_chat_action(chat_id=self.chat_id, action="typing",
                                             message_thread_id=self.thread_id)
        except Exception as exc:  # any failure here only costs the indicator
            log.debug("sendChatAction failed: %s", exc)

    def _quote(self) -> ReplyParameters | None:
        return (ReplyParameters(message_id=self._reply_to, allow_sending_without_reply=True)
                if self._reply_to else None)

    async def _send(self, body: Body, raw: str, markup: Markup) -> int:
        try:
            message = await self._guard(self._bot.send_message(
                chat_id=self.chat_id, text=body.text, entities=body.entities or None,
                message_thread_id=self.thread_id, reply_parameters=self._quote(), reply_markup=markup))
        except TelegramBadRequest as exc:
            if too_long(exc):
                raise MessageTooLong(exc.message) from exc
            if body.formatted and bad_formatting(exc):
                log.info("Telegram refused the formatting (%s); sending plain text", exc.message)
                return await self._send(plain(raw), raw, markup)
            raise
        self._reply_to = None
        self._shown[message.message_id] = (body, markup)
        return message.message_id

    async def _edit(self, message_id: int, body: Body, raw: str, markup: Markup) -> None:
        try:
            await self._guard(self._bot.edit_message_text(
                chat_id=self.chat_id, message_id=message_id, text=body.text,
                entities=body.entities or None, reply_markup=markup))
        except TelegramBadRequest as exc:
            if not_modified(exc):
                pass
            elif too_long(exc):
                raise MessageTooLong(exc.message) from exc
            elif body.formatted and bad_formatting(exc):
                log.info("Telegram refused the formatting (%s); editing as plain text", exc.message)
                await self._edit(message_id, plain(raw), raw, markup)
                return
            else:
                raise
        self._shown[message_id] = (body, markup)

    async def _guard(self, call: Awaitable[T]) -> T:
        try:
            result = await call
        except TelegramRetryAfter as exc:
            raise PlatformRetryAfter(float(exc.retry_after)) from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            self._failures.failed(exc)
        self._failures.succeeded()
        return result

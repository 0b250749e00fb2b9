"""Discord's MessageOps: channel messages, and interaction responses that fall back to them.

The core's PagedOutlet does paging, pacing and 429 retries over these calls. Every call
sends allowed_mentions that parse nothing, so model output can never ping anyone. A page
being written carries a Stop button; it goes when the page is complete.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord

from bots.discord.errors import retry_after_on_429, token_gone
from bots.discord.menus import StopButton, components, menu, stop_components
from bots.discord.refs import InteractionRef
from bots.discord.webhook import InteractionWebhook, payload
from core.reply.split import split_pages
from core.types import Choice

MAX_CHARS = 2000
TOKEN_LIFE = 15 * 60.0  # an interaction token works this long for edits and follow-ups
TOKEN_MARGIN = 30.0  # stop a little early: a call in flight at expiry would fail
NO_MENTIONS = discord.AllowedMentions.none()

ORIGINAL = "o"  # message keys PagedOutlet holds: the original response,
FOLLOW_UP = "w:"  # a follow-up (webhook) message,
CHANNEL = "c:"  # or a plain channel message

Post = Callable[[str, Sequence[Choice]], Awaitable[str]]
NO_COMPONENTS: list[dict[str, Any]] = []  # an edit that carries this removes the Stop button


class NoticePages:
    """Delivers a notice page by page; the retry of a notice after a 429 resumes after the last
    page sent instead of repeating it."""

    def __init__(self) -> None:
        self._pending: str | None = None
        self._sent = 0

    async def deliver(self, text: str, choices: Sequence[Choice], post: Post) -> None:
        pages = split_pages(text, MAX_CHARS)
        start = self._sent if text == self._pending else 0
        self._pending = text
        for index in range(start, len(pages)):
            await post(pages[index], choices if index == len(pages) - 1 else ())
            self._sent = index + 1
        self._pending, self._sent = None, 0


class ChannelOps:
    """Messages in a channel, thread or DM, addressed by id (no cache needed)."""

    def __init__(self, client: discord.Client, channel_id: int, reply_to: int | None = None) -> None:
        self._channel = client.get_partial_messageable(channel_id)
        self._reply_to = reply_to
        self._notices = NoticePages()

    async def post(self, text: str, choices: Sequence[Choice] = (), *, stop: bool = False) -> str:
        options: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self._reply_to is not None:  # the first message of a reply quotes the question
            options["reference"] = discord.MessageReference(
                message_id=self._reply_to, channel_id=self._channel.id, fail_if_not_exists=False)
        view = StopButton() if stop else menu(choices)
        if view is not None:
            options["view"] = view
        with retry_after_on_429():
            message = await self._channel.send(text, **options)
        self._reply_to = None
        return str(message.id)

    async def edit_text(self, message_id: str, text: str, *, stop: bool = False) -> None:
        """Replaces an answer page's text; its Stop button stays only while `stop`."""
        with retry_after_on_429():
            await self._channel.get_partial_message(int(message_id)).edit(
                content=text, allowed_mentions=NO_MENTIONS, view=StopButton() if stop else None)

    async def delete(self, message_id: str) -> None:
        with retry_after_on_429(), contextlib.suppress(discord.NotFound):
            await self._channel.get_partial_message(int(message_id)).delete()

    def continues(self, message_ids: Sequence[str]) -> None:
        self._reply_to = None  # the first page, which quotes the question, exists already

    # -- MessageOps -------------------------------------------------------------------------

    async def send(self, text: str, *, final: bool) -> str:
        return await self.post(text, stop=not final)

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        await self.edit_text(message_id, text, stop=not final)

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        await self._notices.deliver(text, choices, self.post)

    async def typing(self) -> None:
        with contextlib.suppress(discord.DiscordException, aiohttp.ClientError):  # a hint: never fails a reply
            await self._channel.typing()


class FilledOriginals:
    """Interaction tokens whose original response already holds text (in this process), so
    a second outlet for the same interaction (an error line) follows up instead of replacing it."""

    def __init__(self, life: float = TOKEN_LIFE) -> None:
        self._life = life
        self._at: dict[str, float] = {}

    def __contains__(self, token: str) -> bool:
        return token in self._at

    def add(self, token: str) -> None:
        now = time.monotonic()
        self._at[token] = now
        for old, at in list(self._at.items()):  # oldest first: stop at the first live one
            if now - at < self._life:
                break
            del self._at[old]


class InteractionOps:
    """The original response first, then follow-ups; once the token is gone, channel messages."""

    def __init__(self, hook: InteractionWebhook, ref: InteractionRef, fallback: ChannelOps,
                 filled: FilledOriginals, *, token_life: float = TOKEN_LIFE,
                 clock: Callable[[], float] = time.time) -> None:
        self._hook, self._ref, self._fallback, self._filled = hook, ref, fallback, filled
        self._expires = ref.created + token_life - TOKEN_MARGIN
        self._clock = clock
        self._dead = False
        self._moved: dict[str, str] = {}  # webhook pages re-posted as channel messages after expiry
        self._notices = NoticePages()

    def _live(self) -> bool:
        return not self._dead and self._clock() < self._expires

    async def _post(self, text: str, choices: Sequence[Choice] = (), *, stop: bool = False) -> str:
        if self._live():
            try:
                return await self._post_webhook(text, choices, stop)
            except discord.HTTPException as exc:
                if not token_gone(exc):
                    raise
                self._dead = True
        return CHANNEL + await self._fallback.post(text, choices, stop=stop)

    async def _post_webhook(self, text: str, choices: Sequence[Choice], stop: bool) -> str:
        rows = stop_components() if stop else components(choices)
        with retry_after_on_429():
            if self._ref.token not in self._filled:
                # components=[] also clears the menu a click came from: its result replaces it
                await self._hook.edit_original(payload(text, components=rows))
                self._filled.add(self._ref.token)
                return ORIGINAL
            body = payload(text, components=rows or None, ephemeral=self._ref.ephemeral)
            return FOLLOW_UP + await self._hook.follow_up(body)

    # -- MessageOps -------------------------------------------------------------------------

    async def send(self, text: str, *, final: bool) -> str:
        return await self._post(text, stop=not final)

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        target = self._moved.get(message_id, message_id)
        if target.startswith(CHANNEL):
            await self._fallback.edit_text(target.removeprefix(CHANNEL), text, stop=not final)
            return
        if self._live():
            body = payload(text, components=NO_COMPONENTS if final else stop_components())
            try:
                with retry_after_on_429():
                    if target == ORIGINAL:
                        await self._hook.edit_original(body)
                    else:
                        await self._hook.edit_follow_up(int(target.removeprefix(FOLLOW_UP)), body)
                return
            except discord.HTTPException as exc:
                if not token_gone(exc):
                    raise
                self._dead = True
        # The token expired mid-reply: this page goes on as a channel message (the stale one stays).
        self._moved[message_id] = CHANNEL + await self._fallback.post(text, stop=not final)

    async def delete(self, message_id: str) -> None:
        target = self._moved.get(message_id, message_id)
        if target.startswith(CHANNEL):
            await self._fallback.delete(target.removeprefix(CHANNEL))
            return
        if not self._live():
            return  # the token is gone: the page stays (Discord offers no other way to remove it)
        with retry_after_on_429(), contextlib.suppress(discord.NotFound):
            if target == ORIGINAL:
                await self._hook.delete_original()
            else:
                await self._hook.delete_follow_up(int(target.removeprefix(FOLLOW_UP)))

    def continues(self, message_ids: Sequence[str]) -> None:
        if ORIGINAL in message_ids:  # filled by an earlier attempt: further pages follow up
            self._filled.add(self._ref.token)
        self._fallback.continues(message_ids)

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        await self._notices.deliver(text, choices, self._post)

    async def typing(self) -> None:
        if not self._live():  # while the token lives, the deferred response shows "thinking…"
            await self._fallback.typing()

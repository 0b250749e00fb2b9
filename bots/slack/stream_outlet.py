"""Native streaming: chat.startStream, then chat.appendStream with what is new, chat.stopStream.

The core hands over the whole text so far; a stream can only grow, so each call sends the
suffix beyond what the message already holds. When the text stops extending it (a failover
restarted the answer) or Slack closed the stream (it lives about five minutes), the stream is
stopped and the message rewritten in place with chat.update, which then carries it on. Text
beyond one message (page_chars, under the 12,000 markdown limit) continues in a new stream.
A complete message gets the feedback buttons as its stream stops. When the person presses
Slack's Stop on the stream, the answer is stopped (its model call too) through the hook the
adapter gives, and its final text, marked stopped, replaces what the stream showed.
Every call waits for the channel's budget, the same one post/update replies use.
Every call waits for the channel's budget, the same one post/update replies use. The streamed
messages (ts, text, still streaming) are checkpointed, so a replica that takes the reply over
appends to the same stream or rewrites the same messages.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.errors import STREAMING_UNAVAILABLE, Guard, error_code
from bots.slack.formatting import Block, markdown_blocks, to_mrkdwn
from bots.slack.notices import Notices
from bots.slack.status import ThinkingStatus
from bots.slack.target import ReplyTarget
from core.outlet import Outlet, Resumable
from core.reply.checkpoint import DETACHED, ReplyCheckpoint
from core.reply.retry_after import attempt, until_done
from core.reply.split import split_pages
from core.store.pacing import ChatPacer
from core.types import Choice, Limits

log = logging.getLogger(__name__)

_CLOSED = frozenset({"message_not_in_streaming_state", "stopped_by_user"})


class StreamingUnavailable(Exception):
    """startStream refused: this reply goes on by post+update."""


@dataclass
class _Message:
    ts: str
    text: str  # what the message shows now
    live: bool  # still in streaming state (appendable)
    rated: bool = False  # carries the feedback buttons


class StreamOutlet:
    def __init__(self, client: AsyncWebClient, target: ReplyTarget, pacer: ChatPacer, *, limits: Limits,
                 guard: Guard, notices: Notices, status: ThinkingStatus, fallback: Callable[[], Outlet],
                 on_unavailable: Callable[[str], None], feedback: Block,
                 on_user_stop: Callable[[], Awaitable[None]]) -> None:
        self.limits = limits
        self._client, self._target, self._pacer, self._guard = client, target, pacer, guard
        self._notices, self._status = notices, status
        self._make_fallback, self._on_unavailable = fallback, on_unavailable
        self._feedback, self._on_user_stop = feedback, on_user_stop
        self._fallback: Outlet | None = None
        self._handoff = 0  # pages already streamed when the fallback took over
        self._messages: list[_Message] = []
        self._halted = False  # the user pressed Stop on the stream: only the final text is shown
        self._checkpoint = DETACHED

    def snapshot(self) -> dict[str, Any]:
        fallback = self._fallback.snapshot() if isinstance(self._fallback, Resumable) else None
        return {"messages": [[m.ts, m.text, m.live, m.rated] for m in self._messages], "handoff": self._handoff,
                "halted": self._halted, "fallback": fallback}

    def resume(self, checkpoint: ReplyCheckpoint, saved: Mapping[str, Any] | None) -> None:
        self._checkpoint = checkpoint
        saved = saved or {}
        self._messages = [_Message(str(m[0]), str(m[1]), bool(m[2]), bool(m[3:4] and m[3]))
                          for m in saved.get("messages") or []]
        self._handoff = int(saved.get("handoff") or 0)
        self._halted = bool(saved.get("halted"))
        if saved.get("fallback") is not None:
            self._use_fallback(saved["fallback"])

    def _use_fallback(self, saved: Mapping[str, Any] | None = None) -> None:
        self._fallback = self._make_fallback()
        if isinstance(self._fallback, Resumable):
            self._fallback.resume(self._checkpoint, saved)

    async def typing(self) -> None:
        await self._status.typing()

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        await self._notices.send(text, choices)

    async def show(self, text: str) -> None:
        """One paced step; on a 429 the budget pauses and the next show carries the text."""
        if self._fallback is None:
            try:
                await attempt(self._pacer, lambda: self._sync(text, final=False))
            except StreamingUnavailable:
                pass
        if self._fallback is not None:
            await self._fallback.show(self._rest(text))

    async def finish(self, text: str) -> None:
        """Delivers all of it and closes every stream; retries through 429s."""
        if self._fallback is None:
            try:
                await until_done(self._pacer, lambda: self._sync(text, final=True))
            except StreamingUnavailable:
                pass
        if self._fallback is not None:
            await self._fallback.finish(self._rest(text))

    def _rest(self, text: str) -> str:
        return "\n".join(split_pages(text, self.limits.max_chars)[self._handoff:])

    async def _sync(self, text: str, *, final: bool) -> None:
        pages = split_pages(text, self.limits.max_chars)
        for index, page in enumerate(pages):
            if self._halted and not final:  # the user pressed Stop: nothing more until the final text
                return
            complete = final or index < len(pages) - 1
            if index == len(self._messages):
                await self._start(page)
            message = self._messages[index]
            if message.live and page.startswith(message.text):
                suffix = page[len(message.text):]
                if complete:
                    await self._stop(message, suffix, complete=True)
                elif suffix:
                    await self._append(message, suffix)
                continue
            if message.live:  # the text no longer extends the stream: close it, then rewrite it
                await self._stop(message, "", complete=False)
            await self._rewrite(message, page, complete=complete)

    async def _start(self, page: str) -> None:
        await self._status.titled()
        await self._pacer.wait_turn()
        try:
            response = await self._guard(self._client.chat_startStream(
                channel=self._target.channel, thread_ts=self._target.thread_ts or "",
                recipient_team_id=self._target.team or None, recipient_user_id=self._target.user,
                markdown_text=page))
        except SlackApiError as exc:
            code = error_code(exc)
            if code not in STREAMING_UNAVAILABLE:
                raise
            log.info("chat.startStream refused (%s); this reply goes by post and update", code)
            self._on_unavailable(code)
            self._handoff = len(self._messages)
            self._use_fallback()
            raise StreamingUnavailable(code) from None
        self._messages.append(_Message(str(response["ts"]), page, live=True))
        await self._checkpoint.created()

    async def _append(self, message: _Message, suffix: str) -> None:
        await self._pacer.wait_turn()
        try:
            await self._guard(self._client.chat_appendStream(
                channel=self._target.channel, ts=message.ts, markdown_text=suffix))
        except SlackApiError as exc:
            await self._closed_by_slack(message, exc, message.text + suffix)
            return
        message.text += suffix
        self._checkpoint.touched()

    async def _stop(self, message: _Message, suffix: str, *, complete: bool) -> None:
        await self._pacer.wait_turn()
        try:
            await self._guard(self._client.chat_stopStream(
                channel=self._target.channel, ts=message.ts, markdown_text=suffix or None,
                blocks=[self._feedback] if complete else None))
        except SlackApiError as exc:
            await self._closed_by_slack(message, exc, message.text + suffix, complete=complete)
            return
        message.live = False
        message.text += suffix
        message.rated = complete
        self._checkpoint.touched()

    async def _closed_by_slack(self, message: _Message, exc: SlackApiError, wanted: str, *,
                               complete: bool = False) -> None:
        code = error_code(exc)
        if code not in _CLOSED:
            raise exc
        message.live = False
        if code == "stopped_by_user":
            log.info("the user stopped the stream of %s; stopping the answer", message.ts)
            self._halted = True
            await self._on_user_stop()
            if not complete:
                return  # the final text, marked stopped, comes with finish()
        await self._rewrite(message, wanted, complete=complete)  # the stream expired: carry on by editing

    async def _rewrite(self, message: _Message, page: str, *, complete: bool = False) -> None:
        if message.text == page and message.rated == complete:
            return
        blocks = markdown_blocks(page) + ([self._feedback] if complete else [])
        await self._pacer.wait_turn()
        await self._guard(self._client.chat_update(
            channel=self._target.channel, ts=message.ts, text=to_mrkdwn(page), blocks=blocks))
        message.text, message.rated = page, complete
        self._checkpoint.touched()

"""Which outlet one reply gets: native streaming where Slack allows it, else post + update.

SLACK_STREAMING=auto streams replies that have a thread (chat.startStream needs one) until
the workspace refuses it once (unknown method, not allowed, missing scope), then posts and
edits from then on; "on" always tries; "off" never does. Both kinds are wrapped so that a
channel the bot may not post in costs the user one actionable line, not a stack trace.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.answer_blocks import feedback_block
from bots.slack.errors import WORKSPACE_WIDE, CannotPost, Guard
from bots.slack.messages import SlackMessages
from bots.slack.notices import Notices
from bots.slack.status import ThinkingStatus
from bots.slack.stream_outlet import StreamOutlet
from bots.slack.target import ReplyTarget
from core.outlet import Outlet, Resumable
from core.reply.checkpoint import ReplyCheckpoint
from core.reply.paged import PagedOutlet
from core.store.pacing import ChatPacer
from core.types import AnswerFacts, Choice, Inbound, Limits

log = logging.getLogger(__name__)

NOT_A_MEMBER = "I can't post in this channel. Invite me with /invite @{name}, or ask me in a direct message."
TITLE_CHARS = 80  # an assistant thread's title: the first question's first line, cut here

StopReply = Callable[[Inbound], Awaitable[None]]


def thread_title(question: str) -> str:
    line = question.strip().split("\n", 1)[0].strip()
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS - 1].rstrip() + "…"


class OutletFactory:
    def __init__(self, client: AsyncWebClient, *, mode: str, paged: Limits, streamed: Limits,
                 session: Callable[[], aiohttp.ClientSession | None], bot_name: Callable[[], str],
                 stop: StopReply) -> None:
        self._client = client
        self._stop = stop  # the gateway's Stop, for Slack's own Stop on a stream
        self._mode = mode
        self._paged, self._streamed = paged, streamed
        self._session, self._bot_name = session, bot_name
        self.streaming_refused = ""  # the workspace-wide refusal that turned "auto" streaming off

    def build(self, inbound: Inbound, pacer: ChatPacer, facts: AnswerFacts | None = None) -> Outlet:
        target = ReplyTarget.of(inbound)
        guard = Guard()
        notices = Notices(self._client, target, pacer, guard, self._session())
        facts = facts or AnswerFacts()
        # The assistant pane's thread is named after its first question.
        title = thread_title(inbound.text) if facts.first and target.is_direct and target.thread_ts else None
        status = ThinkingStatus(self._client, target, title=title)
        feedback = feedback_block(inbound.event_id, facts.model)

        def paged() -> Outlet:
            ops = SlackMessages(self._client, target, guard, notices, status, feedback)
            return PagedOutlet(ops, self._paged, pacer)

        async def user_stopped() -> None:
            await self._stop(dataclasses.replace(inbound, event_id=f"stream-stop:{inbound.event_id}"))

        outlet = paged()
        if self._streams(target):
            outlet = StreamOutlet(self._client, target, pacer, limits=self._streamed, guard=guard,
                                  notices=notices, status=status, fallback=paged,
                                  on_unavailable=self._refused, feedback=feedback, on_user_stop=user_stopped)
        return MemberOnlyOutlet(outlet, notices, self._bot_name())

    def _streams(self, target: ReplyTarget) -> bool:
        if self._mode == "off" or not target.thread_ts:
            return False
        return self._mode == "on" or not self.streaming_refused

    def _refused(self, code: str) -> None:
        if self._mode == "auto" and code in WORKSPACE_WIDE and not self.streaming_refused:
            log.warning("Slack refused streaming (%s); replies are posted and edited from now on", code)
            self.streaming_refused = code


class MemberOnlyOutlet:
    """CannotPost from any call -> one line (through response_url where there is one), then quiet."""

    def __init__(self, inner: Outlet, notices: Notices, bot_name: str) -> None:
        self.limits = inner.limits
        self._inner = inner
        self._notices = notices
        self._bot_name = bot_name
        self._refused = False

    def snapshot(self) -> dict[str, Any]:
        return self._inner.snapshot() if isinstance(self._inner, Resumable) else {}

    def resume(self, checkpoint: ReplyCheckpoint, saved: Mapping[str, Any] | None) -> None:
        if isinstance(self._inner, Resumable):
            self._inner.resume(checkpoint, saved)

    async def typing(self) -> None:
        if not self._refused:
            await self._inner.typing()

    async def show(self, text: str) -> None:
        if not self._refused:
            try:
                await self._inner.show(text)
            except CannotPost as exc:
                await self._cannot_post(exc)

    async def finish(self, text: str) -> None:
        if not self._refused:
            try:
                await self._inner.finish(text)
            except CannotPost as exc:
                await self._cannot_post(exc)

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        try:
            await self._inner.notice(text, choices)
        except CannotPost as exc:
            log.warning("a notice could not be posted: %s", exc.code)

    async def _cannot_post(self, exc: CannotPost) -> None:
        self._refused = True
        log.warning("Slack refused a reply in this channel: %s", exc.code)
        try:
            await self._notices.send(NOT_A_MEMBER.format(name=self._bot_name or "switchboard"))
        except CannotPost:
            pass  # no response_url and no channel: there is nowhere left to say it

"""chat.postMessage + chat.update: Slack's MessageOps, for the core's PagedOutlet.

Every post and edit carries a `markdown` block, so Slack renders the model's Markdown itself
(half-written syntax shows literally until it is complete, as in a stream), plus the
mrkdwn conversion as `text` for notifications. Sending the block on every edit also means
an edit always replaces what the message shows. Under it, a Stop button while the page is
being written, feedback buttons once it is complete. If Slack refuses the blocks, text alone goes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.answer_blocks import stop_block
from bots.slack.errors import Guard, error_code
from bots.slack.formatting import Block, markdown_blocks, to_mrkdwn
from bots.slack.notices import Notices
from bots.slack.status import ThinkingStatus
from bots.slack.target import ReplyTarget
from core.types import Choice

log = logging.getLogger(__name__)

_BAD_BLOCKS = frozenset({"invalid_blocks", "invalid_blocks_format"})


class SlackMessages:
    """One reply's send/edit/notice/typing; every call may raise PlatformRetryAfter."""

    def __init__(self, client: AsyncWebClient, target: ReplyTarget, guard: Guard, notices: Notices,
                 status: ThinkingStatus, feedback: Block) -> None:
        self._client = client
        self._target = target
        self._guard = guard
        self._notices = notices
        self._status = status
        self._feedback = feedback
        self._blocks_ok = True

    def _body(self, text: str, final: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"text": to_mrkdwn(text)}
        if self._blocks_ok:
            body["blocks"] = [*markdown_blocks(text), self._feedback if final else stop_block()]
        return body

    async def send(self, text: str, *, final: bool) -> str:
        await self._status.titled()
        body = self._body(text, final)
        try:
            response = await self._guard(self._client.chat_postMessage(
                channel=self._target.channel, thread_ts=self._target.thread_ts, **body))
        except SlackApiError as exc:
            if "blocks" not in body or error_code(exc) not in _BAD_BLOCKS:
                raise
            self._refused_blocks(exc)
            return await self.send(text, final=final)
        return str(response["ts"])

    async def edit(self, message_id: str, text: str, *, final: bool) -> None:
        body = self._body(text, final)
        try:
            await self._guard(self._client.chat_update(channel=self._target.channel, ts=message_id, **body))
        except SlackApiError as exc:
            if "blocks" not in body or error_code(exc) not in _BAD_BLOCKS:
                raise
            self._refused_blocks(exc)
            await self.edit(message_id, text, final=final)

    async def delete(self, message_id: str) -> None:
        try:
            await self._guard(self._client.chat_delete(channel=self._target.channel, ts=message_id))
        except SlackApiError as exc:
            if error_code(exc) != "message_not_found":
                raise

    def continues(self, message_ids: Sequence[str]) -> None:
        """Nothing to carry: Slack replies quote nothing, they go in the thread."""

    async def notice(self, text: str, choices: Sequence[Choice]) -> None:
        await self._notices.deliver(text, choices)

    async def typing(self) -> None:
        await self._status.typing()

    def _refused_blocks(self, exc: SlackApiError) -> None:
        log.info("Slack refused the markdown block (%s); sending mrkdwn text only", error_code(exc))
        self._blocks_ok = False

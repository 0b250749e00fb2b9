"""Short system lines (command answers, errors), with buttons when the core offers choices.

A slash command or a button press answers privately through its response_url (which also
works where the bot is not a channel member); everything else is a message in the thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.slack.choices import button_blocks
from bots.slack.errors import Guard
from bots.slack.formatting import escape, plain_sections
from bots.slack.target import ReplyTarget
from core.reply.retry_after import paced, until_done
from core.store.pacing import ChatPacer
from core.types import Choice

log = logging.getLogger(__name__)


class Notices:
    def __init__(self, client: AsyncWebClient, target: ReplyTarget, pacer: ChatPacer, guard: Guard,
                 session: aiohttp.ClientSession | None) -> None:
        self._client = client
        self._target = target
        self._pacer = pacer
        self._guard = guard
        self._session = session

    async def send(self, text: str, choices: Sequence[Choice] = ()) -> None:
        """Paced, and retried through 429s until delivered."""
        async def deliver() -> None:
            await self.deliver(text, choices)

        # A response_url answer is not a channel message: it spends no budget.
        await until_done(self._pacer, deliver if self._target.response_url else paced(self._pacer, deliver))

    async def deliver(self, text: str, choices: Sequence[Choice] = ()) -> None:
        """One attempt, unpaced (the PagedOutlet paces its own calls); may raise PlatformRetryAfter."""
        blocks = plain_sections(text) + button_blocks(choices)
        if self._target.response_url:
            await self._respond(text, blocks)
            return
        await self._guard(self._client.chat_postMessage(
            channel=self._target.channel, thread_ts=self._target.thread_ts, text=escape(text), blocks=blocks))

    async def _respond(self, text: str, blocks: list[dict[str, object]]) -> None:
        """response_url: ephemeral, outside the channel budget (it is not a channel post)."""
        webhook = AsyncWebhookClient(self._target.response_url, session=self._session)
        response = await webhook.send(text=escape(text), blocks=blocks, response_type="ephemeral",
                                      replace_original=False)
        if response.status_code != 200:
            log.warning("response_url refused a notice: %s %s", response.status_code, response.body[:200])

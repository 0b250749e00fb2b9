"""typing(): assistant.threads.setStatus "is thinking…" on the reply's thread, best effort."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.target import ReplyTarget

log = logging.getLogger(__name__)

THINKING = "is thinking…"


class ThinkingStatus:
    """One per reply; after the first refusal it stays quiet (no thread, no scope, no feature)."""

    def __init__(self, client: AsyncWebClient, target: ReplyTarget) -> None:
        self._client = client
        self._thread = target.status_thread
        self._channel = target.channel
        self._enabled = self._thread is not None

    async def typing(self) -> None:
        if not self._enabled or self._thread is None:
            return
        try:
            await self._client.assistant_threads_setStatus(
                channel_id=self._channel, thread_ts=self._thread, status=THINKING)
        except Exception as exc:  # only the indicator is lost; never worth failing a reply for
            log.debug("assistant.threads.setStatus failed: %s", exc)
            self._enabled = False

"""typing(): assistant.threads.setStatus "is thinking…" on the reply's thread; titled(): the
thread's title (assistant.threads.setTitle) when it is given one, once per reply, with the
first of either (a fast answer shows no "thinking" at all); best effort."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.target import ReplyTarget

log = logging.getLogger(__name__)

THINKING = "is thinking…"


class ThinkingStatus:
    """One per reply; after the first refusal it stays quiet (no thread, no scope, no feature)."""

    def __init__(self, client: AsyncWebClient, target: ReplyTarget, *, title: str | None = None) -> None:
        self._client = client
        self._thread = target.status_thread
        self._channel = target.channel
        self._enabled = self._thread is not None
        self._title = title

    async def titled(self) -> None:
        """Gives the thread its title, the first time only."""
        if self._title is None or self._thread is None:
            return
        title, self._title = self._title, None
        try:
            await self._client.assistant_threads_setTitle(channel_id=self._channel, thread_ts=self._thread,
                                                          title=title)
        except Exception as exc:  # a title is a nicety; the answer goes on without it
            log.debug("assistant.threads.setTitle failed: %s", exc)

    async def typing(self) -> None:
        if not self._enabled or self._thread is None:
            return
        await self.titled()
        try:
            await self._client.assistant_threads_setStatus(
                channel_id=self._channel, thread_ts=self._thread, status=THINKING)
        except Exception as exc:  # only the indicator is lost; never worth failing a reply for
            log.debug("assistant.threads.setStatus failed: %s", exc)
            self._enabled = False

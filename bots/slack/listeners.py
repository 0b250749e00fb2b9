"""bolt listeners: each Slack request becomes an Inbound handed to the gateway.

The app runs with process_before_response, so an event is acknowledged only after
`Gateway.handle` has stored it (a crash before that makes Slack re-deliver; dedupe makes
the re-delivery harmless). When it could not be stored (Redis away), the listener's
NotStored reaches `on_error`, which answers 503: over HTTP Slack re-sends the event, and in
Socket Mode bolt does not acknowledge the envelope, so Slack re-sends it too. Slash commands
and buttons are acknowledged first, within Slack's 3 seconds, and handled in a task the
adapter owns; one that cannot be stored is answered with a line asking to send it again.
A Stop button under an answer becomes the gateway's Stop, a thumbs up / down its feedback;
opening the assistant pane gets the suggested prompts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.answer_blocks import FEEDBACK_ACTION, STOP_ACTION, rated
from bots.slack.choices import ACTION_PATTERN, command_of
from bots.slack.inbound import from_action, from_command, from_event
from core.errors import NotStored
from core.gateway import Gateway
from core.types import Inbound

log = logging.getLogger(__name__)

SEND_AGAIN = "I couldn't take that in just now (my storage is unreachable). Please send it again in a minute."
UNAVAILABLE = 503


class Intake:
    def __init__(self, gateway: Gateway, slash_command: str, prompts: list[str] | None = None) -> None:
        self._gateway = gateway
        self._slash = slash_command
        self._prompts = prompts or []
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_event)
        # Every message event is listened to: an unmatched one would go unacknowledged and be re-sent.
        app.event("message")(self.on_event)
        app.command(self._slash)(self.on_command)
        app.action(ACTION_PATTERN)(self.on_action)
        app.action(STOP_ACTION)(self.on_stop)
        app.action(FEEDBACK_ACTION)(self.on_feedback)
        app.event("assistant_thread_started")(self.on_thread_started)
        app.event(re.compile(".*"))(self.on_other_event)  # last: subscribed extras are acked, not retried
        app.error(self.on_error)

    async def on_error(self, error: Exception) -> BoltResponse | None:
        """A listener failed. Not stored: 503, so the event is not acknowledged and Slack re-sends it."""
        if isinstance(error, NotStored):
            return BoltResponse(status=UNAVAILABLE, body="")
        log.error("a Slack listener failed", exc_info=error)
        return None

    async def on_other_event(self, event: dict[str, Any]) -> None:
        log.debug("ignoring a %s event", event.get("type"))

    async def on_event(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        inbound = from_event(body, event, context.bot_user_id or "")
        if inbound is not None:
            await self._gateway.handle(inbound)

    async def on_command(self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._take(from_command(command), respond))

    async def on_action(self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any],
                        action: dict[str, Any]) -> None:
        await ack()
        command = command_of(action)
        inbound = from_action(body, command) if command else None
        if inbound is not None:
            self._spawn(self._take(inbound, respond))

    async def _take(self, inbound: Inbound, respond: AsyncRespond) -> None:
        """An acknowledged command: Slack will not send it again, so the user is asked to."""
        try:
            await self._gateway.handle(inbound)
        except NotStored as exc:
            if exc.busy:
                return  # another replica is taking the same request in
            try:
                await respond(text=SEND_AGAIN, response_type="ephemeral", replace_original=False)
            except Exception as failed:  # outermost boundary of this task: the line is best effort
                log.warning("could not tell the user to send a command again: %s", failed)

    async def on_stop(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The Stop button under an answer being written: what /stop does, without a notice."""
        await ack()
        inbound = from_action(body, "/stop")
        if inbound is not None:
            self._spawn(self._stop(inbound))

    async def _stop(self, inbound: Inbound) -> None:
        await self._gateway.stop(inbound)

    async def on_feedback(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Thumbs up / down under a finished answer: counted with the model that answered."""
        await ack()
        rating = rated(action)
        inbound = from_action(body, "") if rating is not None else None
        if rating is not None and inbound is not None:
            self._spawn(self._gateway.feedback(inbound, answer=rating.answer, rating=rating.rating,
                                               model=rating.model))

    async def on_thread_started(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        """Someone opened the assistant pane: offer the suggested prompts (best effort)."""
        thread: dict[str, Any] = event.get("assistant_thread") or {}
        if not self._prompts or not thread.get("channel_id") or not thread.get("thread_ts"):
            return
        prompts = [{"title": p, "message": p} for p in self._prompts]
        try:
            await client.assistant_threads_setSuggestedPrompts(
                channel_id=str(thread["channel_id"]), thread_ts=str(thread["thread_ts"]), prompts=prompts)
        except SlackApiError as exc:
            log.info("assistant.threads.setSuggestedPrompts failed: %s", exc.response.get("error"))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="slack intake")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits for acknowledged commands still being handed to the gateway."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

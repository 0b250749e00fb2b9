"""bolt listeners: each Slack request becomes an Inbound handed to the gateway.

The app runs with process_before_response, so an event is acknowledged only after
`Gateway.handle` has queued it (a crash before that makes Slack re-deliver; dedupe makes
the re-delivery harmless). Slash commands and buttons are acknowledged first, within
Slack's 3 seconds, and handled in a task the adapter owns.
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

from bots.slack.choices import ACTION_PATTERN, command_of
from bots.slack.inbound import from_action, from_command, from_event
from core.gateway import Gateway

log = logging.getLogger(__name__)


class Intake:
    def __init__(self, gateway: Gateway, slash_command: str) -> None:
        self._gateway = gateway
        self._slash = slash_command
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_event)
        # Every message event is listened to: an unmatched one would go unacknowledged and be re-sent.
        app.event("message")(self.on_event)
        app.command(self._slash)(self.on_command)
        app.action(ACTION_PATTERN)(self.on_action)
        app.event(re.compile(".*"))(self.on_other_event)  # last: subscribed extras are acked, not retried

    async def on_other_event(self, event: dict[str, Any]) -> None:
        log.debug("ignoring a %s event", event.get("type"))

    async def on_event(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        inbound = from_event(body, event, context.bot_user_id or "")
        if inbound is not None:
            await self._gateway.handle(inbound)

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        self._spawn(self._gateway.handle(from_command(command)))

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        command = command_of(action)
        inbound = from_action(body, command) if command else None
        if inbound is not None:
            self._spawn(self._gateway.handle(inbound))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="slack intake")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits for acknowledged commands still being handed to the gateway."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

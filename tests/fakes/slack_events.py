"""What the fake Slack sends the app: Events API payloads, slash commands, button presses,
wrapped in Socket Mode envelopes (or signed, for HTTP mode)."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import TYPE_CHECKING

from tests.fakes.slack_models import JSON, Envelope, signed_headers

if TYPE_CHECKING:
    from tests.fakes.slack_models import Message

ALICE, BOB = "U0ALICE", "U0BOB"
GENERAL = "C0GENERAL"
ALICE_DM = "D0ALICE"


class SlackEvents:
    """Mixed into FakeSlack, which provides deliver(), response_url() and the signing secret."""

    signing_secret: str
    bot_user_id: str

    def __init__(self, *, team_id: str, bot_user_id: str, app_id: str) -> None:
        self.team_id, self.bot_user_id, self.app_id = team_id, bot_user_id, app_id
        self.envelopes: dict[str, Envelope] = {}
        self._user_ts = itertools.count(1)
        self._event_ids = itertools.count(1)

    async def deliver(self, envelope: Envelope) -> str:
        raise NotImplementedError

    def response_url(self, rid: str) -> str:
        return f"http://slack.invalid/response/{rid}"  # FakeSlack answers these itself

    # -- building --------------------------------------------------------------------------

    def user_ts(self) -> str:
        n = next(self._user_ts)
        return f"{1_600_000_000 + n}.{n:06d}"

    def message_event(self, text: str, *, channel: str = GENERAL, user: str = ALICE, ts: str | None = None,
                      thread_ts: str | None = None, kind: str = "app_mention", **extra: object) -> JSON:
        """An app_mention (kind="app_mention") or a message.* event (kind="message")."""
        event: JSON = {"type": kind, "user": user, "text": text, "ts": ts or self.user_ts(), "channel": channel,
                       "team": self.team_id, "client_msg_id": str(uuid.uuid4())}
        event["event_ts"] = event["ts"]
        if kind == "message":
            event["channel_type"] = "im" if channel.startswith("D") else "channel"
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event | extra

    def callback(self, event: JSON) -> JSON:
        """The Events API wrapper around one event; every delivery of it has its event_id."""
        return {"token": "verification-token", "team_id": self.team_id, "api_app_id": self.app_id, "event": event,
                "type": "event_callback", "event_id": f"Ev{next(self._event_ids):08d}",
                "event_time": int(float(event.get("ts") or event["event_ts"])), "is_ext_shared_channel": False,
                "authorizations": [{"enterprise_id": None, "team_id": self.team_id, "user_id": self.bot_user_id,
                                    "is_bot": True, "is_enterprise_install": False}]}

    def command_payload(self, text: str, *, command: str = "/switchboard", channel: str = GENERAL,
                        user: str = ALICE) -> JSON:
        rid = uuid.uuid4().hex[:12]
        return {"token": "verification-token", "team_id": self.team_id, "team_domain": "switchboard-test",
                "channel_id": channel, "channel_name": "directmessage" if channel.startswith("D") else "general",
                "user_id": user, "user_name": user.lower(), "command": command, "text": text,
                "api_app_id": self.app_id, "response_url": self.response_url(rid),
                "trigger_id": f"{rid}.trigger"}

    def press_payload(self, message: Message, value: str, *, user: str = ALICE, index: int = 0,
                      response_url: str | None = None) -> JSON:
        """A click on the button carrying `value`; its action has the button's label (a text object) as on Slack."""
        rid = uuid.uuid4().hex[:12]
        pressed = next((b for b in message.buttons() if b.get("value") == value), None)
        label = {"text": pressed["text"]} if pressed and "text" in pressed else {}
        return {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
                "api_app_id": self.app_id, "token": "verification-token", "trigger_id": f"{rid}.trigger",
                "team": {"id": self.team_id, "domain": "switchboard-test"},
                "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                              "is_ephemeral": False, "thread_ts": message.thread_ts},
                "channel": {"id": message.channel, "name": "general"},
                "message": {"type": "message", "ts": message.ts, "thread_ts": message.thread_ts,
                            "bot_id": "B0BOT", "text": message.text},
                "response_url": response_url or self.response_url(rid),
                "actions": [{"type": "button", "action_id": f"switchboard_choice_{index}", "block_id": "b",
                             "value": value, "action_ts": "1.0"} | label]}

    def feedback_payload(self, message: Message, *, positive: bool, user: str = ALICE) -> JSON:
        """A click on the thumbs up (positive) or down under a message, with the value that button carries."""
        element = message.feedback()
        if element is None:
            raise ValueError(f"message {message.ts} has no feedback buttons")
        button = element["positive_button" if positive else "negative_button"]
        payload = self.press_payload(message, "", user=user)
        payload["actions"] = [{"type": "feedback_buttons", "action_id": element.get("action_id", ""),
                               "block_id": "fb", "value": button["value"], "text": button["text"],
                               "action_ts": "1.0"}]
        return payload

    def thread_started_event(self, *, channel: str = ALICE_DM, user: str = ALICE) -> JSON:
        """assistant_thread_started: someone opened the app's assistant pane."""
        ts = self.user_ts()
        return {"type": "assistant_thread_started", "event_ts": ts,
                "assistant_thread": {"user_id": user, "channel_id": channel, "thread_ts": ts,
                                     "context": {"channel_id": GENERAL, "team_id": self.team_id,
                                                 "enterprise_id": None}}}

    # -- sending over Socket Mode ----------------------------------------------------------

    async def send_event(self, event: JSON, *, retry_attempt: int = 0) -> str:
        payload = self.callback(event)
        return await self.deliver(Envelope(uuid.uuid4().hex, "events_api", payload, retry_attempt,
                                           "timeout" if retry_attempt else ""))

    async def mention(self, text: str, **kw: object) -> JSON:
        """A user mentions the bot; returns the event (its "ts" is the reply thread)."""
        event = self.message_event(f"<@{self.bot_user_id}> {text}", **kw)  # type: ignore[arg-type]
        await self.send_event(event)
        return event

    async def dm(self, text: str, *, channel: str = "D0ALICE", user: str = ALICE, **kw: object) -> JSON:
        event = self.message_event(text, channel=channel, user=user, kind="message", **kw)  # type: ignore[arg-type]
        await self.send_event(event)
        return event

    async def command(self, text: str, **kw: str) -> str:
        envelope = Envelope(uuid.uuid4().hex, "slash_commands", self.command_payload(text, **kw),
                            accepts_response_payload=True)
        return await self.deliver(envelope)

    async def rate(self, message: Message, *, positive: bool, user: str = ALICE) -> str:
        payload = self.feedback_payload(message, positive=positive, user=user)
        envelope = Envelope(uuid.uuid4().hex, "interactive", payload, accepts_response_payload=True)
        return await self.deliver(envelope)

    async def press_button(self, message: Message, action_id: str, *, user: str = ALICE) -> str:
        """A click on the button with this action_id under a message (e.g. Stop)."""
        (button,) = [b for b in message.buttons() if b.get("action_id") == action_id]
        payload = self.press_payload(message, str(button.get("value", "")), user=user)
        payload["actions"][0]["action_id"] = action_id
        envelope = Envelope(uuid.uuid4().hex, "interactive", payload, accepts_response_payload=True)
        return await self.deliver(envelope)

    async def press(self, message: Message, value: str, *, user: str = ALICE, index: int = 0) -> str:
        envelope = Envelope(uuid.uuid4().hex, "interactive", self.press_payload(message, value, user=user, index=index),
                            accepts_response_payload=True)
        return await self.deliver(envelope)

    # -- HTTP mode -------------------------------------------------------------------------

    def signed(self, payload: JSON, *, secret: str | None = None,
               timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """An event_callback body and its headers, signed as Slack signs it."""
        body = json.dumps(payload).encode()
        return body, signed_headers(secret or self.signing_secret, body, timestamp=timestamp)

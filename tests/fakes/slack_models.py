"""Records and payload builders for the fake Slack (tests/fakes/slack_api.py).

Payload shapes follow docs.slack.dev: Events API `event_callback` wrappers, Socket Mode
envelopes ({envelope_id, type, payload, accepts_response_payload, retry_attempt,
retry_reason}), slash command and block_actions payloads, and the v0 request signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MARKDOWN_MAX = 12_000  # markdown blocks (all of them in one payload) and markdown_text
TEXT_MAX = 40_000
SECTION_MAX = 3_000
BLOCKS_MAX = 50
ACTIONS_MAX = 25
CONTEXT_ACTIONS_MAX = 5
PROMPTS_MAX = 4  # assistant.threads.setSuggestedPrompts


@dataclass
class Call:
    method: str
    params: JSON
    token: str
    at: float
    error: str = ""  # empty: answered ok

    def __str__(self) -> str:
        shown = {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
                 for k, v in self.params.items() if k not in ("blocks", "token")}
        return f"{self.method} {'ok' if not self.error else self.error} {shown}"


@dataclass
class Message:
    """A message as Slack would now display it."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    markdown: str = ""  # rendered Markdown: streamed text, or the markdown blocks' text
    streaming: bool = False
    streamed: bool = False  # made by chat.startStream
    appends: list[str] = field(default_factory=list)
    stopped_by_user: bool = False  # the person pressed Slack's Stop on the stream
    updates: int = 0
    shown: list[str] = field(default_factory=list)  # what it displayed after each change

    @property
    def visible(self) -> str:
        return self.markdown or self.text

    def feedback(self) -> JSON | None:
        """The feedback_buttons element under the message, if it has one."""
        for block in self.blocks:
            if block.get("type") == "context_actions":
                return next((e for e in block["elements"] if e.get("type") == "feedback_buttons"), None)
        return None

    def buttons(self) -> list[JSON]:
        """The buttons of the message's actions blocks."""
        return [e for b in self.blocks if b.get("type") == "actions" for e in b["elements"]]

    def remember(self) -> None:
        self.shown.append(self.visible)


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: JSON
    retry_attempt: int = 0
    retry_reason: str = ""
    accepts_response_payload: bool = False

    def frame(self) -> JSON:
        return {"envelope_id": self.envelope_id, "type": self.type, "payload": self.payload,
                "accepts_response_payload": self.accepts_response_payload,
                "retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}


def markdown_of(blocks: list[JSON]) -> str:
    return "\n".join(str(b.get("text", "")) for b in blocks if b.get("type") == "markdown")


def blocks_error(blocks: object, *, markdown_ok: bool = True) -> str | None:
    """What Slack would say about these blocks (None: fine)."""
    if not isinstance(blocks, list) or len(blocks) > BLOCKS_MAX:
        return "invalid_blocks"
    if len(markdown_of(blocks)) > MARKDOWN_MAX:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "markdown" and markdown_ok and isinstance(block.get("text"), str):
            continue
        if kind == "section" and len(str((block.get("text") or {}).get("text", ""))) <= SECTION_MAX:
            continue
        if kind == "actions" and _buttons_ok(block.get("elements")):
            continue
        if kind == "context_actions" and _context_actions_ok(block.get("elements")):
            continue
        return "invalid_blocks"
    return None


def _context_actions_ok(elements: object) -> bool:
    """Feedback buttons (or icon buttons): up to five, each button plain text <= 75, value <= 2,000."""
    if not isinstance(elements, list) or not 0 < len(elements) <= CONTEXT_ACTIONS_MAX:
        return False
    for element in elements:
        if element.get("type") == "icon_button":
            continue
        if element.get("type") != "feedback_buttons":
            return False
        for side in ("positive_button", "negative_button"):
            button = element.get(side) or {}
            text = button.get("text") or {}
            if text.get("type") != "plain_text" or not 0 < len(str(text.get("text", ""))) <= 75:
                return False
            if not isinstance(button.get("value"), str) or not 0 < len(button["value"]) <= 2000:
                return False
    return True


def _buttons_ok(elements: object) -> bool:
    if not isinstance(elements, list) or not 0 < len(elements) <= ACTIONS_MAX:
        return False
    ids = [e.get("action_id") for e in elements]
    return len(set(ids)) == len(ids) and all(
        e.get("type") == "button" and len(e["text"]["text"]) <= 75 and len(e.get("value", "")) <= 2000
        for e in elements)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: HMAC-SHA256 over "v0:<timestamp>:<body>"."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature(secret, stamp, body),
            "Content-Type": content_type}

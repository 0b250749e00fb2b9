"""Markdown for Slack: as-is where Slack renders Markdown, else converted to mrkdwn.

The streaming API and the `markdown` block take standard Markdown (12,000 characters);
`text` is mrkdwn, so it gets slackify-markdown's conversion (used for notifications and
for clients that do not render blocks).
"""

from __future__ import annotations

import logging
from typing import Any

from slackify_markdown import slackify_markdown

log = logging.getLogger(__name__)

SECTION_MAX = 3_000  # a section block's text
Block = dict[str, Any]


def escape(text: str) -> str:
    """The three characters mrkdwn reserves for its own syntax."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Standard Markdown -> mrkdwn; a conversion failure falls back to escaped plain text."""
    try:
        converted = slackify_markdown(markdown).rstrip("\n")
    except Exception:  # a third-party parser must never cost the user the reply
        log.exception("slackify-markdown failed; sending the text plain")
        return escape(markdown)
    return converted or escape(markdown)


def markdown_blocks(markdown: str) -> list[Block]:
    """One markdown block: Slack renders the Markdown itself (the caller keeps it <= 12,000)."""
    return [{"type": "markdown", "text": markdown}]


def plain_sections(text: str) -> list[Block]:
    """Plain-text sections for a notice: model ids with "_" or "*" must stay literal."""
    chunks = [text[i:i + SECTION_MAX] for i in range(0, len(text), SECTION_MAX)] or [" "]
    return [{"type": "section", "text": {"type": "plain_text", "text": chunk, "emoji": True}}
            for chunk in chunks]

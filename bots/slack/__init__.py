"""Slack on slack-bolt (async): Socket Mode or HTTP events in, streamed or edited replies out."""

from bots.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]

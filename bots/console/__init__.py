"""The terminal as a platform: `switchboard chat`."""

from bots.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]

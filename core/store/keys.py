"""Every Redis key the gateway uses, in one place, under one prefix."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import ConversationKey

# A conversation is named by its ConversationKey or that key's string form (queues carry the string).
Conversation = ConversationKey | str


@dataclass(frozen=True)
class Keys:
    prefix: str

    def history(self, conv: Conversation) -> str:
        return f"{self.prefix}hist:{conv}"

    def queue(self, conv: Conversation) -> str:
        return f"{self.prefix}queue:{conv}"

    def lock(self, conv: Conversation) -> str:
        return f"{self.prefix}lock:{conv}"

    def stop(self, conv: Conversation) -> str:
        return f"{self.prefix}stop:{conv}"

    def reply(self, conv: Conversation) -> str:
        """The checkpoint of the reply being streamed (platform message ids and their text)."""
        return f"{self.prefix}reply:{conv}"

    def lease_deadlines(self) -> str:
        """Conversations with queued messages, scored by when their holder's lease runs out
        (milliseconds, Redis clock): the sweeper sleeps until the earliest one."""
        return f"{self.prefix}queues:due"

    def role(self, name: str) -> str:
        """The lease on a one-at-a-time role (the Telegram poller, a Discord shard)."""
        return f"{self.prefix}role:{name}"

    def model_choice(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}model:{platform}:{user_id}"

    def usage(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}usage:{platform}:{user_id}"

    def seen(self, platform: str, event_id: str) -> str:
        return f"{self.prefix}seen:{platform}:{event_id}"

    def rate(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}rate:{platform}:{user_id}"

    def pace(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}pace:{platform}:{chat_id}"

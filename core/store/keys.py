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

    def recent_models(self, platform: str, user_id: str) -> str:
        """The models a user switched to, newest first (a few)."""
        return f"{self.prefix}recent-models:{platform}:{user_id}"

    def last_active(self, conv: Conversation) -> str:
        """When the conversation was last answered: tells an expired conversation from a new one."""
        return f"{self.prefix}active:{conv}"

    def feedback_votes(self, platform: str, answer: str) -> str:
        """Who rated one answer, and how ({feedback}: one hash slot for every feedback key)."""
        return f"{self.prefix}{{feedback}}:votes:{platform}:{answer}"

    def feedback_counts(self) -> str:
        """Ratings counted per platform, rating and model."""
        return f"{self.prefix}{{feedback}}:counts"

    def usage(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}usage:{platform}:{user_id}"

    def seen(self, platform: str, event_id: str) -> str:
        return f"{self.prefix}seen:{platform}:{event_id}"

    def rate(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}rate:{platform}:{user_id}"

    def pace(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}pace:{platform}:{chat_id}"

    def warned_windows(self) -> str:
        """"endpoint model" pairs whose unknown context window was already warned about (once each)."""
        return f"{self.prefix}warned:windows"

    def relay(self, route: str) -> str:
        """Replies on their way to the terminal that asked (core/reply/relay.py)."""
        return f"{self.prefix}relay:{route}"

    # -- who may talk (core/store/pairing.py) -------------------------------------------------

    def approved(self) -> str:
        """Hash: "platform:user_id" -> JSON of who approved them, when, and their name."""
        return f"{self.prefix}access:approved"

    def pairing_code(self, code: str) -> str:
        """Hash of one pending code: platform, user, name, expiry (the key expires with it)."""
        return f"{self.prefix}access:code:{code}"

    def pairing_user(self, platform: str, user_id: str) -> str:
        """Hash of one person's pairing: their code and how often it was sent (the cool-off)."""
        return f"{self.prefix}access:asker:{platform}:{user_id}"

    def pairing_pending(self) -> str:
        """Sorted set of pending codes by expiry (`switchboard pair list`)."""
        return f"{self.prefix}access:pending"

    def group_hint(self, platform: str, user_id: str) -> str:
        """Set while an unpaired person in a group was told how to pair (told once an hour)."""
        return f"{self.prefix}access:hinted:{platform}:{user_id}"

    # -- how much (core/store/ledger.py) -----------------------------------------------------

    def spent(self, platform: str, user_id: str, period: str) -> str:
        """Hash of one user's tokens in one period ("d20250131", "m202501"): total, per model."""
        return f"{self.prefix}spent:{platform}:{user_id}:{period}"

    def quota(self, platform: str, user_id: str) -> str:
        """Hash of one user's own limits set by /quota: day, month (absent: the settings')."""
        return f"{self.prefix}quota:{platform}:{user_id}"

    def stats(self, period: str) -> str:
        """Hash of the gateway's totals in one period: messages, tokens, per model."""
        return f"{self.prefix}stats:{period}"

    def stats_users(self, period: str) -> str:
        """Hash of "platform:user_id" -> tokens in one period (who used the gateway)."""
        return f"{self.prefix}stats:{period}:users"

    def names(self) -> str:
        """Hash of "platform:user_id" -> the name the platform last gave (for /stats)."""
        return f"{self.prefix}names"

    # -- per chat, set by admins ------------------------------------------------------------

    def chat_model(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}chatmodel:{platform}:{chat_id}"

    def chat_prompt(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}chatprompt:{platform}:{chat_id}"

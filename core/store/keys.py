"""Every Redis key the gateway uses, in one place, under one prefix.

On a Redis Cluster (`shards` > 0) keys carry hash tags, so that what one script or transaction
touches lives in one hash slot:

    {cN}  a chat's shard: its conversations' keys, its events' `seen` marks, and that shard's
          lease deadlines (the sweeper reads every shard's)
    {uN}  a person's shard: their flood count, model choices, usage, spending and quota, and
          that shard's part of the gateway's totals (/stats adds the shards up)
    {access}, {feedback}  pairing and feedback keys (rarely written, read through a memo)

N = CRC32 of "platform:chat" (or "platform:user") modulo `shards`. On one Redis the names
carry no tags (as before: an upgrade keeps every conversation).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from core.types import ConversationKey

# A conversation is named by its ConversationKey or that key's string form (queues carry the string).
Conversation = ConversationKey | str

CLUSTER_SHARDS = 32  # chat and person shards on a cluster: 32 slots each, spread over the nodes


def _shard(text: str, shards: int) -> int:
    return zlib.crc32(text.encode()) % shards


def _chat_of(conv: Conversation) -> str:
    """"platform:chat" of a conversation; its first two fields, as `Keys.chat_tag` takes them."""
    return ":".join(str(conv).split(":", 2)[:2])


@dataclass(frozen=True)
class Keys:
    prefix: str
    shards: int = 0  # > 0: a Redis Cluster, keys tagged per shard (module docstring)

    @classmethod
    def for_client(cls, prefix: str, redis: Any) -> Keys:
        """Tagged keys when `redis` is a cluster client."""
        from redis.asyncio.cluster import RedisCluster

        return cls(prefix, CLUSTER_SHARDS if isinstance(redis, RedisCluster) else 0)

    @property
    def clustered(self) -> bool:
        return self.shards > 0

    def chat_tag(self, platform: str, chat_id: str) -> str:
        return self._conv(f"{platform}:{chat_id}")

    def _conv(self, conv: Conversation) -> str:
        return f"{{c{_shard(_chat_of(conv), self.shards)}}}" if self.shards else ""

    def _user(self, platform: str, user_id: str) -> str:
        return self._part(self.stats_shard(platform, user_id))

    def history(self, conv: Conversation) -> str:
        return f"{self.prefix}{self._conv(conv)}hist:{conv}"

    def queue(self, conv: Conversation) -> str:
        return f"{self.prefix}{self._conv(conv)}queue:{conv}"

    def lock(self, conv: Conversation) -> str:
        return f"{self.prefix}{self._conv(conv)}lock:{conv}"

    def stop(self, conv: Conversation) -> str:
        return f"{self.prefix}{self._conv(conv)}stop:{conv}"

    def reply(self, conv: Conversation) -> str:
        """The checkpoint of the reply being streamed (platform message ids and their text)."""
        return f"{self.prefix}{self._conv(conv)}reply:{conv}"

    def lease_deadlines(self, conv: Conversation) -> str:
        """Conversations with queued messages, scored by when their holder's lease runs out
        (milliseconds, Redis clock): the sweeper sleeps until the earliest one. One set per
        chat shard on a cluster (no single hot key)."""
        return f"{self.prefix}queues:due{self._conv(conv)}"

    def all_lease_deadlines(self) -> list[str]:
        """Every deadline set the sweeper reads."""
        if not self.shards:
            return [f"{self.prefix}queues:due"]
        return [f"{self.prefix}queues:due{{c{n}}}" for n in range(self.shards)]

    def role(self, name: str) -> str:
        """The lease on a one-at-a-time role (the Telegram poller, a Discord shard)."""
        return f"{self.prefix}role:{name}"

    def model_choice(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}{self._user(platform, user_id)}model:{platform}:{user_id}"

    def recent_models(self, platform: str, user_id: str) -> str:
        """The models a user switched to, newest first (a few)."""
        return f"{self.prefix}{self._user(platform, user_id)}recent-models:{platform}:{user_id}"

    def last_active(self, conv: Conversation) -> str:
        """When the conversation was last answered: tells an expired conversation from a new one."""
        return f"{self.prefix}{self._conv(conv)}active:{conv}"

    def feedback_votes(self, platform: str, answer: str) -> str:
        """Who rated one answer, and how ({feedback}: one hash slot for every feedback key)."""
        return f"{self.prefix}{{feedback}}:votes:{platform}:{answer}"

    def feedback_counts(self) -> str:
        """Ratings counted per platform, rating and model."""
        return f"{self.prefix}{{feedback}}:counts"

    def usage(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}{self._user(platform, user_id)}usage:{platform}:{user_id}"

    def seen(self, platform: str, event_id: str, chat_id: str) -> str:
        """An event's intake mark, in its chat's shard (the queue's push sets it)."""
        return f"{self.prefix}{self.chat_tag(platform, chat_id)}seen:{platform}:{event_id}"

    def rate(self, platform: str, user_id: str) -> str:
        return f"{self.prefix}{self._user(platform, user_id)}rate:{platform}:{user_id}"

    def pace(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}pace:{platform}:{chat_id}"

    def warned_windows(self) -> str:
        """"endpoint model" pairs whose unknown context window was already warned about (once each)."""
        return f"{self.prefix}warned:windows"

    def relay(self, route: str) -> str:
        """Replies on their way to the terminal that asked (core/reply/relay.py)."""
        return f"{self.prefix}relay:{route}"

    # -- who may talk (core/store/pairing.py) -------------------------------------------------

    @property
    def _access(self) -> str:
        return "{access}" if self.shards else ""

    def approved(self) -> str:
        """Hash: "platform:user_id" -> JSON of who approved them, when, and their name."""
        return f"{self.prefix}{self._access}access:approved"

    def pairing_code(self, code: str) -> str:
        """Hash of one pending code: platform, user, name, expiry (the key expires with it)."""
        return f"{self.prefix}{self._access}access:code:{code}"

    def pairing_user(self, platform: str, user_id: str) -> str:
        """Hash of one person's pairing: their code and how often it was sent (the cool-off)."""
        return f"{self.prefix}{self._access}access:asker:{platform}:{user_id}"

    def pairing_pending(self) -> str:
        """Sorted set of pending codes by expiry (`switchboard pair list`)."""
        return f"{self.prefix}{self._access}access:pending"

    def group_hint(self, platform: str, user_id: str) -> str:
        """Set while an unpaired person in a group was told how to pair (told once an hour)."""
        return f"{self.prefix}access:hinted:{platform}:{user_id}"

    # -- how much (core/store/ledger.py) -----------------------------------------------------

    def spent(self, platform: str, user_id: str, period: str) -> str:
        """Hash of one user's tokens in one period ("d20250131", "m202501"): total, per model."""
        return f"{self.prefix}{self._user(platform, user_id)}spent:{platform}:{user_id}:{period}"

    def quota(self, platform: str, user_id: str) -> str:
        """Hash of one user's own limits set by /quota: day, month (absent: the settings')."""
        return f"{self.prefix}{self._user(platform, user_id)}quota:{platform}:{user_id}"

    def stats(self, period: str, shard: int = 0) -> str:
        """Hash of the gateway's totals in one period: messages, tokens, per model (on a
        cluster, one part per person shard: `stats_shard` says which a person adds to)."""
        return f"{self.prefix}{self._part(shard)}stats:{period}"

    def stats_users(self, period: str, shard: int = 0) -> str:
        """Hash of "platform:user_id" -> tokens in one period (who used the gateway)."""
        return f"{self.prefix}{self._part(shard)}stats:{period}:users"

    def names(self, shard: int = 0) -> str:
        """Hash of "platform:user_id" -> the name the platform last gave (for /stats)."""
        return f"{self.prefix}{self._part(shard)}names"

    def stats_shard(self, platform: str, user_id: str) -> int:
        return _shard(f"{platform}:{user_id}", self.shards) if self.shards else 0

    def stats_shards(self) -> range:
        return range(max(self.shards, 1))

    def _part(self, shard: int) -> str:
        return f"{{u{shard}}}" if self.shards else ""

    # -- per chat, set by admins ------------------------------------------------------------

    def chat_model(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}chatmodel:{platform}:{chat_id}"

    def chat_prompt(self, platform: str, chat_id: str) -> str:
        return f"{self.prefix}chatprompt:{platform}:{chat_id}"

"""SLACK_ALLOWED_USERS / SLACK_ALLOWED_CHANNELS: who may talk to the bot.

Same rule as the other platforms: both empty lets everyone in; otherwise a listed user
(anywhere, DMs included) or anyone in a listed channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Inbound


def _ids(raw: str) -> frozenset[str]:
    return frozenset(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class AccessList:
    user_ids: frozenset[str]
    channel_ids: frozenset[str]

    @classmethod
    def parse(cls, users: str, channels: str) -> AccessList:
        return cls(_ids(users), _ids(channels))

    @property
    def open(self) -> bool:
        return not (self.user_ids or self.channel_ids)

    def allows(self, inbound: Inbound) -> bool:
        return self.open or inbound.user_id in self.user_ids or inbound.chat_id in self.channel_ids

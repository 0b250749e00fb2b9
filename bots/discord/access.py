"""DISCORD_ALLOWED_USERS / _ROLES / _CHANNELS: who may talk to the bot, and where."""

from __future__ import annotations

from dataclasses import dataclass

from bots.discord.refs import PARENT, ROLES
from core.types import Inbound


def _ids(raw: str) -> frozenset[str]:
    return frozenset(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class AccessList:
    """All empty: everyone. Otherwise a listed user, anyone with a listed role, or anyone
    in a listed channel (threads of a listed channel included) may talk to the bot."""

    users: frozenset[str]
    roles: frozenset[str]
    channels: frozenset[str]

    @classmethod
    def parse(cls, users: str, roles: str, channels: str) -> AccessList:
        return cls(_ids(users), _ids(roles), _ids(channels))

    @property
    def open(self) -> bool:
        return not (self.users or self.roles or self.channels)

    def allows(self, inbound: Inbound) -> bool:
        if self.open or inbound.user_id in self.users:
            return True
        if self.roles & _ids(inbound.reply_ref.get(ROLES, "")):
            return True
        return bool(self.channels & {inbound.chat_id, inbound.reply_ref.get(PARENT, "")})

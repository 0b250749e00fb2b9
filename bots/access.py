"""The platforms' allowlists (TELEGRAM_ALLOWED_*, DISCORD_ALLOWED_*, SLACK_ALLOWED_*): one rule.

Every list empty lets everyone in (ACCESS_POLICY, core/access/policy.py, decides whether that
is allowed: under `allowlist` and `pairing` a platform without lists names nobody). Otherwise
the sender may talk when listed by id (anywhere, DMs included) or @username, when holding a
listed role, or when writing in a listed chat or in a thread of one.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Inbound


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class AccessList:
    users: frozenset[str]
    usernames: frozenset[str]  # lower case, without "@"
    chats: frozenset[str]
    roles: frozenset[str]

    @classmethod
    def parse(cls, *, users: str = "", chats: str = "", roles: str = "") -> AccessList:
        """Comma-separated settings; a user written as @name is a username."""
        people = _items(users)
        return cls(
            users=frozenset(u for u in people if not u.startswith("@")),
            usernames=frozenset(u[1:].lower() for u in people if u.startswith("@")),
            chats=frozenset(_items(chats)),
            roles=frozenset(_items(roles)),
        )

    @property
    def open(self) -> bool:
        return not (self.users or self.usernames or self.chats or self.roles)

    def allows(self, inbound: Inbound) -> bool:
        sender = inbound.sender
        return (
            self.open
            or inbound.user_id in self.users
            or (bool(sender.username) and sender.username.lower() in self.usernames)
            or bool(self.roles.intersection(sender.roles))
            or bool(self.chats & {inbound.chat_id, sender.parent_chat} - {""})
        )

"""TELEGRAM_ALLOWED_USERS / TELEGRAM_ALLOWED_CHATS: who may talk to the bot."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Inbound

USERNAME = "username"  # the reply_ref key holding the sender's @username (without "@")


@dataclass(frozen=True)
class AccessList:
    """Both lists empty: everyone. Otherwise a listed user (anywhere) or anyone in a listed chat."""

    user_ids: frozenset[str]
    usernames: frozenset[str]  # lower case, without "@"
    chat_ids: frozenset[str]

    @classmethod
    def parse(cls, users: str, chats: str) -> AccessList:
        user_items = [u.strip() for u in users.split(",") if u.strip()]
        return cls(
            user_ids=frozenset(u for u in user_items if not u.startswith("@")),
            usernames=frozenset(u[1:].lower() for u in user_items if u.startswith("@")),
            chat_ids=frozenset(c.strip() for c in chats.split(",") if c.strip()),
        )

    @property
    def open(self) -> bool:
        return not (self.user_ids or self.usernames or self.chat_ids)

    def allows(self, inbound: Inbound) -> bool:
        if self.open or inbound.user_id in self.user_ids or inbound.chat_id in self.chat_ids:
            return True
        username = inbound.reply_ref.get(USERNAME, "").lower()
        return bool(username) and username in self.usernames

"""Who may talk to the bot: ACCESS_POLICY over the platforms' own allowlists, plus ADMINS.

* open (the default): a platform's allowlists apply when set; a platform with none answers
  everyone (start-up warns, naming it).
* allowlist: only people the platform's lists name (by id, @username, role, or chat).
* pairing: those, plus people approved with a pairing code (core/store/pairing.py).

Admins (ADMINS=telegram:123,discord:456) always may, and may use the admin commands.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Literal

from core.outlet import PlatformBinding
from core.store.pairing import Pairings, parse_who
from core.types import Inbound

Policy = Literal["open", "allowlist", "pairing"]


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"  # one polite line
    UNPAIRED = "unpaired"  # pairing: a direct message gets a code, a group one line an hour


def parse_admins(raw: str) -> frozenset[tuple[str, str]]:
    """ADMINS: "telegram:123,discord:456,slack:U789" -> {(platform, user id)}."""
    found = (parse_who(item) for item in raw.split(","))
    return frozenset(pair for pair in found if pair is not None)


class AccessPolicy:
    def __init__(self, policy: Policy, admins: str, pairings: Pairings) -> None:
        self.policy = policy
        self._admins = parse_admins(admins)
        self._pairings = pairings

    def is_admin(self, inbound: Inbound) -> bool:
        return (inbound.platform, inbound.user_id) in self._admins

    async def decide(self, inbound: Inbound, binding: PlatformBinding) -> Verdict:
        """Whether this sender may talk here (one Redis read at most: pairing, not listed)."""
        if self.is_admin(inbound):
            return Verdict.ALLOWED
        if self.policy == "open":
            return Verdict.ALLOWED if binding.is_allowed(inbound) else Verdict.REFUSED
        if binding.has_allowlist and binding.is_allowed(inbound):
            return Verdict.ALLOWED
        if self.policy == "allowlist":
            return Verdict.REFUSED
        if await self._pairings.is_approved(inbound.platform, inbound.user_id):
            return Verdict.ALLOWED
        return Verdict.UNPAIRED

    def warnings(self, bindings: Iterable[PlatformBinding]) -> list[str]:
        """Start-up lines for the operator: platforms open to everyone, or closed to all but admins."""
        unlisted = sorted(b.name for b in bindings if not b.has_allowlist)
        if not unlisted:
            return []
        names = ", ".join(unlisted)
        if self.policy == "open":
            return [f"ACCESS_POLICY=open: {names} answer{'s' if len(unlisted) == 1 else ''} everyone who "
                    "writes (and you pay for their tokens); set ACCESS_POLICY=pairing or allowlist, or the "
                    "platform's *_ALLOWED_* lists (README: Access, budgets and admins)"]
        if self.policy == "allowlist" and not self._admins:
            return [f"ACCESS_POLICY=allowlist and no allowlist for {names}: nobody can talk to "
                    f"{'it' if len(unlisted) == 1 else 'them'} there (set the *_ALLOWED_* lists or ADMINS)"]
        return []

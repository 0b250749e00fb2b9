"""The reply_route keys: everything needed to rebuild a Discord outlet in any process."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import Inbound

PLATFORM = "discord"
REPLY_TO = "reply_to"  # the user's message a first page replies to (channel messages)
APP = "app"  # the application id: interaction webhooks are addressed by it
TOKEN = "token"  # the interaction token (valid 15 minutes)
CREATED = "created"  # epoch seconds the interaction arrived
EPHEMERAL = "ephemeral"  # "1": the deferred response is only visible to its user
COMPONENT = "component"  # "1": a select-menu click; its original response is the menu message


@dataclass(frozen=True)
class InteractionRef:
    application_id: int
    token: str
    created: float
    ephemeral: bool = False
    component: bool = False

    @classmethod
    def of(cls, inbound: Inbound) -> InteractionRef | None:
        ref = inbound.reply_route
        if not ref.get(TOKEN):
            return None
        return cls(int(ref[APP]), ref[TOKEN], float(ref[CREATED]),
                   ref.get(EPHEMERAL) == "1", ref.get(COMPONENT) == "1")

    def to_route(self) -> dict[str, str]:
        return {APP: str(self.application_id), TOKEN: self.token, CREATED: f"{self.created:.3f}",
                EPHEMERAL: "1" if self.ephemeral else "", COMPONENT: "1" if self.component else ""}

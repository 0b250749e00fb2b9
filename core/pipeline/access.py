"""ACCESS_POLICY decides who may talk (core/access/policy.py); nothing of a refused or unpaired
person's message reaches the model.

* refused (not on the platform's allowlist): one polite line;
* unpaired, writing directly: their pairing code (the same one while it is valid, a few
  times, then silence until it expires; see core/store/pairing.py);
* unpaired, in a group: one line an hour saying to write to the bot directly. Pairing is about
  the person, so a group never gets a code (anyone there could read it and the bot would be
  made to post codes into a shared chat); the one line keeps them from talking to a wall,
  and its hourly cap keeps a group from being spammed by the bot.
"""

from __future__ import annotations

import logging

from core.access.policy import Verdict
from core.services import Core
from core.store.pairing import Offer
from core.types import Inbound

log = logging.getLogger(__name__)

REFUSAL = "Sorry, this bot is not open to you. Ask its operator for access."
GROUP_HINT = "I only answer people my operator approved. Write to me directly to get a pairing code."
TOO_MANY = "Too many people are waiting for approval right now. Please try again in an hour."


def code_line(offer: Offer) -> str:
    minutes = max(1, offer.seconds_left // 60)
    return (f"I only answer people my operator approved. Your pairing code is {offer.code} "
            f"(valid for {minutes} min): send it to the operator, who approves it with "
            f"`switchboard pair approve {offer.code}`. Then write to me again.")


async def access(inbound: Inbound, core: Core) -> Inbound | None:
    verdict = await core.access.decide(inbound, core.binding(inbound))
    if verdict is Verdict.ALLOWED:
        return inbound
    if verdict is Verdict.REFUSED:
        log.info("refused %s user %s in chat %s", inbound.platform, inbound.user_id, inbound.chat_id)
        core.metrics.replied(inbound.platform, "refused")
        core.notices.send(inbound, REFUSAL)
        return None
    core.metrics.replied(inbound.platform, "refused")  # not paired yet: nothing goes to the model
    if not inbound.is_direct:
        if await core.pairings.hint_once(inbound.platform, inbound.user_id):
            core.notices.send(inbound, GROUP_HINT)
        return None
    offer = await core.pairings.request(inbound.platform, inbound.user_id, inbound.user_name)
    if offer.code:
        log.info("pairing code for %s user %s (%s)", inbound.platform, inbound.user_id, inbound.user_name)
        core.notices.send(inbound, code_line(offer))
    elif offer.too_many_pending:
        log.warning("pairing: too many codes pending; %s user %s asked", inbound.platform, inbound.user_id)
        core.notices.send(inbound, TOO_MANY)
    return None

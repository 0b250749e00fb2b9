"""Interaction responses addressed by application id and token alone (no Interaction object),
so any process can continue a reply: edit the original response, post and edit follow-ups."""

from __future__ import annotations

from typing import Any

import discord

# discord.py's own interaction-webhook calls (what Interaction.edit_original_response uses);
# its public Webhook cannot address "@original" nor post ephemeral follow-ups from ids alone.
from discord.webhook.async_ import async_context

from bots.discord.refs import InteractionRef

EPHEMERAL_FLAG = 64
NO_MENTIONS = discord.AllowedMentions.none().to_dict()


def payload(text: str, *, components: list[dict[str, Any]] | None = None, ephemeral: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"content": text, "allowed_mentions": NO_MENTIONS}
    if components is not None:
        body["components"] = components
    if ephemeral:
        body["flags"] = EPHEMERAL_FLAG
    return body


class InteractionWebhook:
    def __init__(self, client: discord.Client, ref: InteractionRef) -> None:
        self._app = ref.application_id
        self._token = ref.token
        self._session = discord.Webhook.partial(ref.application_id, ref.token, client=client).session

    async def edit_original(self, body: dict[str, Any]) -> None:
        await async_context.get().edit_original_interaction_response(
            self._app, self._token, session=self._session, payload=body)

    async def follow_up(self, body: dict[str, Any]) -> str:
        """Posts a follow-up message; returns its id."""
        data: Any = await async_context.get().execute_webhook(
            self._app, self._token, session=self._session, payload=body, wait=True)
        return str(data["id"])

    async def edit_follow_up(self, message_id: int, body: dict[str, Any]) -> None:
        await async_context.get().edit_webhook_message(
            self._app, self._token, message_id, session=self._session, payload=body)

    async def delete_original(self) -> None:
        await async_context.get().delete_original_interaction_response(self._app, self._token, session=self._session)

    async def delete_follow_up(self, message_id: int) -> None:
        await async_context.get().delete_webhook_message(self._app, self._token, message_id, session=self._session)

"""The fake Discord REST API (v10): the routes discord.py calls for a chat bot.

Every answer is JSON with Content-Type exactly ``application/json`` (discord.py parses
nothing else), every call is recorded, and canned faults (a 429 with ``Via``, as
Discord's edge sends it) are answered before the route runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_models import (
    AUTOCOMPLETE,
    COMPONENT,
    EPHEMERAL,
    GUILD_INSTALL,
    IN_BOT_DM,
    IN_GUILD,
    IN_PRIVATE_CHANNEL,
    INVALID_FORM,
    JSON,
    LOADING,
    USER_INSTALL,
    Call,
    DiscordError,
    InteractionRecord,
    StoredMessage,
    check_content,
)

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

API = "/api/v10"
Handler = Callable[[web.Request, Any], Awaitable[Any]]

UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION = 10003, 10008, 10015, 10062
MISSING_ACCESS = 50001
NOT_AUTHOR, INVALID_WEBHOOK_TOKEN = 50005, 50027
ALREADY_ACKNOWLEDGED, THREAD_EXISTS = 40060, 160004


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    if data is None:
        return web.Response(status=204, headers=headers)
    return web.Response(status=status, body=json.dumps(data).encode(),
                        headers={**(headers or {}), "Content-Type": "application/json"})


class DiscordRest:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def install(self, app: web.Application) -> None:
        f, add = self, self._add
        add(app, "GET", "/users/@me", f.me, auth=True)
        add(app, "GET", "/oauth2/applications/@me", f.application, auth=True)
        add(app, "GET", "/applications/@me", f.application, auth=True)
        add(app, "GET", "/gateway", f.gateway)
        add(app, "GET", "/gateway/bot", f.gateway_bot, auth=True)
        add(app, "POST", "/channels/{channel_id}/messages", f.create_message, auth=True)
        add(app, "GET", "/channels/{channel_id}/messages/{message_id}", f.get_message, auth=True)
        add(app, "PATCH", "/channels/{channel_id}/messages/{message_id}", f.edit_message, auth=True)
        add(app, "POST", "/channels/{channel_id}/typing", f.typing, auth=True)
        add(app, "POST", "/channels/{channel_id}/messages/{message_id}/threads", f.start_thread, auth=True)
        add(app, "POST", "/interactions/{interaction_id}/{token}/callback", f.callback)
        add(app, "GET", "/webhooks/{app_id}/{token}/messages/@original", f.get_original)
        add(app, "PATCH", "/webhooks/{app_id}/{token}/messages/@original", f.edit_original)
        add(app, "POST", "/webhooks/{app_id}/{token}", f.follow_up)
        add(app, "PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", f.edit_follow_up)
        for scope in ("/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"):
            add(app, "PUT", scope, f.overwrite_commands, auth=True)
            add(app, "GET", scope, f.list_commands, auth=True)

    def _add(self, app: web.Application, method: str, route: str, handler: Handler, *, auth: bool = False) -> None:
        async def serve(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, f"{method} {route}", handler, auth)

        app.router.add_route(method, API + route, serve)

    async def _serve(self, request: web.Request, name: str, handler: Handler, auth: bool) -> web.StreamResponse:
        body = await request.json() if request.body_exists else None
        method, route = name.split(" ", 1)
        call = Call(method, route, request.path, dict(request.query), body, time.monotonic())
        fault = self.fake.take_fault(name)
        wait = self._flood_wait(request, route, call.at) if fault is None and method in ("POST", "PATCH") else 0.0
        if fault is not None:
            call.status = fault.status
            response = json_response(fault.status, fault.body, fault.headers)
        elif wait > 0:
            call.status = 429
            self.fake.violations.append(call)
            response = json_response(429, {"message": "You are being rate limited.", "retry_after": round(wait, 3),
                                            "global": False},
                                     {"Via": "1.1 google", "Retry-After": str(math.ceil(wait)),
                                      "X-RateLimit-Scope": "user"})
        elif auth and request.headers.get("Authorization") != f"Bot {self.fake.token}":
            call.status = 401
            response = json_response(401, {"message": "401: Unauthorized", "code": 0})
        else:
            try:
                response = json_response(200, await handler(request, body))
            except DiscordError as exc:
                call.status = exc.status
                response = json_response(exc.status, {"message": exc.message, "code": exc.code})
            call.status = response.status
        self.fake.record(call)
        return response

    def _flood_wait(self, request: web.Request, route: str, now: float) -> float:
        """Seconds Discord's per-channel (or per-webhook) message limit wants before this call."""
        flood = self.fake.flood
        if flood is None or not route.endswith(("/messages", "/messages/{message_id}", "/messages/@original",
                                                "/{token}")):
            return 0.0
        key = request.match_info.get("channel_id") or request.match_info.get("token", "")
        return flood.check(key, now)

    # -- identity --------------------------------------------------------------------------

    async def me(self, request: web.Request, body: Any) -> JSON:
        return self.fake.bot_user

    async def application(self, request: web.Request, body: Any) -> JSON:
        fake = self.fake
        return {"id": str(fake.app_id), "name": "Switchboard", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
                "owner": fake.alice, "team": None, "flags": 0, "bot": fake.bot_user, "tags": [],
                "interactions_endpoint_url": None, "redirect_uris": [], "approximate_guild_count": 1}

    async def gateway(self, request: web.Request, body: Any) -> JSON:
        return {"url": self.fake.gateway_url}

    async def gateway_bot(self, request: web.Request, body: Any) -> JSON:
        return {"url": self.fake.gateway_url, "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

    # -- channel messages ------------------------------------------------------------------

    async def create_message(self, request: web.Request, body: JSON) -> JSON:
        channel_id = self._channel(request)
        stored = self.fake.store_bot_message(channel_id, body)
        return self.fake.message_payload(stored)

    async def get_message(self, request: web.Request, body: Any) -> JSON:
        return self.fake.message_payload(self._message(request))

    async def edit_message(self, request: web.Request, body: JSON) -> JSON:
        stored = self._message(request)
        if not stored.ours:
            raise DiscordError(403, NOT_AUTHOR, "Cannot edit a message authored by another user")
        self.fake.apply_edit(stored, body)
        return self.fake.message_payload(stored)

    async def typing(self, request: web.Request, body: Any) -> None:
        self._channel(request)

    async def start_thread(self, request: web.Request, body: JSON) -> JSON:
        stored = self._message(request)
        if stored.id in self.fake.channels:
            raise DiscordError(400, THREAD_EXISTS, "A thread has already been created for this message")
        return self.fake.open_thread(stored.id, stored.channel_id, self.fake.bot_id, str(body["name"]))

    def _channel(self, request: web.Request) -> int:
        channel_id = int(request.match_info["channel_id"])
        if channel_id in self.fake.elsewhere:  # the bot is not a member there
            raise DiscordError(403, MISSING_ACCESS, "Missing Access")
        if channel_id not in self.fake.channels:
            raise DiscordError(404, UNKNOWN_CHANNEL, "Unknown Channel")
        return channel_id

    def _message(self, request: web.Request) -> StoredMessage:
        channel_id = self._channel(request)
        stored = self.fake.messages.get(int(request.match_info["message_id"]))
        if stored is None or stored.channel_id != channel_id:
            raise DiscordError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return stored

    # -- interactions ----------------------------------------------------------------------

    async def callback(self, request: web.Request, body: JSON) -> JSON | None:
        fake = self.fake
        record = fake.interactions.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            raise DiscordError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if record.callback_type is not None:
            raise DiscordError(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if time.monotonic() - record.created > fake.ack_deadline:
            raise DiscordError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        kind, data = int(body["type"]), body.get("data") or {}
        if (kind == 8 and record.type != AUTOCOMPLETE) or (kind in (6, 7) and record.type != COMPONENT):
            raise DiscordError(400, INVALID_FORM, "Invalid callback type for this interaction")
        record.callback_type, record.callback_at, record.callback_data = kind, time.monotonic(), data
        if kind in (4, 5):  # a message, or "thinking…" until the original is edited
            check_content(data)
            flags = int(data.get("flags", 0)) | (LOADING if kind == 5 else 0)
            stored = fake.store_bot_message(record.channel_id, {**data, "flags": flags}, interaction=record)
            record.original_id = stored.id
        elif kind in (6, 7):  # the clicked message is the original
            record.original_id = int(record.payload["message"]["id"])
            if kind == 7:
                fake.apply_edit(fake.messages[record.original_id], data)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return None
        original = fake.messages.get(record.original_id or 0)
        answer: JSON = {"interaction": {
            "id": str(record.id), "type": record.type, "response_message_id": str(record.original_id or ""),
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(original and original.flags & EPHEMERAL)}}
        answer["resource"] = {"type": kind}
        if kind in (4, 7) and original is not None:
            answer["resource"]["message"] = fake.message_payload(original)
        return answer

    def _interaction(self, request: web.Request) -> InteractionRecord:
        fake = self.fake
        record = fake.interaction_by_token(request.match_info["token"])
        if record is None or request.match_info["app_id"] != str(fake.app_id):
            raise DiscordError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if time.monotonic() - record.created > fake.token_life:
            raise DiscordError(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if record.original_id is None:  # not acknowledged yet (or only with autocomplete choices)
            raise DiscordError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return record

    async def get_original(self, request: web.Request, body: Any) -> JSON:
        record = self._interaction(request)
        return self.fake.message_payload(self.fake.messages[record.original_id or 0])

    async def edit_original(self, request: web.Request, body: JSON) -> JSON:
        record = self._interaction(request)
        stored = self.fake.messages[record.original_id or 0]
        self.fake.apply_edit(stored, body)
        return self.fake.message_payload(stored)

    async def follow_up(self, request: web.Request, body: JSON) -> JSON | None:
        record = self._interaction(request)
        stored = self.fake.store_bot_message(record.channel_id, body, interaction=record)
        record.follow_ups.append(stored.id)
        wait = request.query.get("wait") in ("1", "true", "True")
        return self.fake.message_payload(stored) if wait else None

    async def edit_follow_up(self, request: web.Request, body: JSON) -> JSON:
        record = self._interaction(request)
        message_id = int(request.match_info["message_id"])
        if message_id not in (*record.follow_ups, record.original_id):
            raise DiscordError(404, UNKNOWN_MESSAGE, "Unknown Message")
        stored = self.fake.messages[message_id]
        self.fake.apply_edit(stored, body)
        return self.fake.message_payload(stored)

    # -- application commands --------------------------------------------------------------

    def _scope(self, request: web.Request) -> str:
        if request.match_info["app_id"] != str(self.fake.app_id):
            raise DiscordError(404, 10002, "Unknown Application")
        return request.match_info.get("guild_id", "global")

    async def overwrite_commands(self, request: web.Request, body: list[JSON]) -> list[JSON]:
        scope = self._scope(request)
        commands = []
        for index, command in enumerate(body):
            if not command.get("name") or len(command.get("description", "")) > 100:
                raise DiscordError(400, INVALID_FORM, f"Invalid Form Body (command {index})")
            if not _listed(command.get("integration_types"), {GUILD_INSTALL, USER_INSTALL}) or not _listed(
                    command.get("contexts"), {IN_GUILD, IN_BOT_DM, IN_PRIVATE_CHANNEL}):
                raise DiscordError(400, INVALID_FORM, f"Invalid Form Body (command {index}: installs or contexts)")
            commands.append({"id": str(self.fake.ids.next()), "application_id": str(self.fake.app_id),
                             "version": str(self.fake.ids.next()), "type": 1, "options": [],
                             "default_member_permissions": None, "dm_permission": True, "nsfw": False,
                             "contexts": None, "integration_types": [0],
                             **command, **({"guild_id": scope} if scope != "global" else {})})
        self.fake.commands[scope] = commands
        return commands

    async def list_commands(self, request: web.Request, body: Any) -> list[JSON]:
        return self.fake.commands.get(self._scope(request), [])



def _listed(values: Any, allowed: set[int]) -> bool:
    """integration_types / contexts: absent (null), or a non-empty list of known values without repeats."""
    if values is None:
        return True
    return (isinstance(values, list) and bool(values) and len(set(values)) == len(values)
            and all(v in allowed for v in values))

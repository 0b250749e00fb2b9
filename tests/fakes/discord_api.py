"""A local fake Discord (REST API v10 + gateway WebSocket) that a real discord.py client talks to.

Tests drive it as users would (messages, slash commands, autocomplete, menu clicks), read
back what the bot did, inject 429s and dropped connections, and ``await fake.wait_for(...)``
instead of sleeping. Routes live in ``discord_rest.py``, the socket in
``discord_gateway.py``, payload shapes in ``discord_models.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from aiohttp import web

from tests.fakes import discord_models as models
from tests.fakes.base import Canned, FakeServer
from tests.fakes.discord_gateway import MESSAGE_CONTENT_INTENT, FakeGateway
from tests.fakes.discord_models import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    COMPONENT,
    EPHEMERAL,
    JSON,
    LOADING,
    Call,
    InteractionRecord,
    Snowflakes,
    StoredMessage,
    check_content,
    would_ping,
)
from tests.fakes.discord_rest import API, DiscordRest
from tests.fakes.flood import FloodModel, FloodRule

STRING_OPTION = 3
IS_VOICE_MESSAGE = 1 << 13  # attachment flag
TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2.GfakeT.fake-discord-token-for-the-tests"  # the shape of a real bot token


class FakeDiscord(FakeServer[Call, Canned]):
    """``async with FakeDiscord() as fake:`` serves REST at ``fake.base_url``, the gateway at ``fake.gateway_url``."""

    shutdown_timeout = 0.5  # stopping waits at most this long for requests still open (the gateway socket)

    def __init__(self, *, token: str = TOKEN, heartbeat_ms: int = 41250, allow_message_content: bool = True,
                 ack_deadline: float = 3.0, token_life: float = 900.0) -> None:
        super().__init__()
        self.token = token
        self.ack_deadline = ack_deadline  # seconds an interaction may wait for its first response
        self.token_life = token_life  # seconds an interaction token works for webhooks
        self.ids = Snowflakes()
        self.bot_id = self.app_id = self.ids.next()
        self.guild_id, self.channel_id, self.other_channel_id = self.ids.next(), self.ids.next(), self.ids.next()
        self.bot_role_id, self.helper_role_id = self.ids.next(), self.ids.next()
        self.bot_user = models.user(self.bot_id, "switchboard", bot=True)
        self.alice = models.user(self.ids.next(), "alice")
        self.bob = models.user(self.ids.next(), "bob")
        self.other_bot = models.user(self.ids.next(), "otherbot", bot=True)
        self.roles: dict[str, list[int]] = {self.bob["id"]: [self.helper_role_id]}
        self.channels: dict[int, JSON] = {
            self.channel_id: models.text_channel(self.channel_id, self.guild_id, "general"),
            self.other_channel_id: models.text_channel(self.other_channel_id, self.guild_id, "random"),
        }
        # Where the bot is not a member: a server that never added it, and a group DM of alice and bob.
        # People who installed the app reach it there through commands; channel messages are refused.
        self.elsewhere_guild_id, self.elsewhere_channel_id, self.group_dm_id = (
            self.ids.next(), self.ids.next(), self.ids.next())
        self.elsewhere: dict[int, JSON] = {
            self.elsewhere_channel_id: models.text_channel(self.elsewhere_channel_id, self.elsewhere_guild_id,
                                                           "elsewhere"),
            self.group_dm_id: models.group_dm(self.group_dm_id, [self.alice, self.bob], int(self.alice["id"])),
        }
        self.dms: dict[str, int] = {}  # user id -> DM channel id
        self.messages: dict[int, StoredMessage] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.commands: dict[str, list[JSON]] = {}  # "global" or a guild id -> registered commands
        self.pings: list[str] = []  # mentions a bot message would have notified
        self.cdn: dict[str, bytes] = {}  # attachment path -> bytes, served at ``root_url + path``
        self.cdn_downloads: list[str] = []
        self.flood: FloodModel | None = None  # Discord's per-channel message limit, when on
        self.violations: list[Call] = []  # calls the flood model refused
        self.gateway = FakeGateway(token=token, heartbeat_ms=heartbeat_ms, allow_message_content=allow_message_content,
                                   hello=self._hello, on_change=self.bump)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.root_url + API

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def add_routes(self, app: web.Application) -> None:
        DiscordRest(self).install(app)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{tail:.*}", self._cdn)

    # -- reading state ---------------------------------------------------------------------

    def calls_to(self, name: str) -> list[Call]:
        """Calls by route, e.g. ``calls_to("PATCH /channels/{channel_id}/messages/{message_id}")``."""
        return [call for call in self.calls if call.name == name]

    def bot_messages(self, channel_id: int) -> list[StoredMessage]:
        return sorted((m for m in self.messages.values() if m.channel_id == channel_id and m.ours),
                      key=lambda m: m.id)

    def texts(self, channel_id: int) -> list[str]:
        """What the bot's messages in a channel say now, oldest first."""
        return [m.content for m in self.bot_messages(channel_id)]

    def original(self, record: InteractionRecord) -> StoredMessage | None:
        return self.messages.get(record.original_id or 0)

    def original_where(self, record: InteractionRecord,
                       test: Callable[[StoredMessage], object]) -> StoredMessage | None:
        """The original response once ``test`` holds for it (for ``wait_for``)."""
        message = self.original(record)
        return message if message is not None and test(message) else None

    def response_texts(self, record: InteractionRecord) -> list[str]:
        """The original response, then the follow-ups, as they read now."""
        ids = [record.original_id, *record.follow_ups] if record.original_id else record.follow_ups
        return [self.messages[i].content for i in ids]

    def writes(self) -> list[Call]:
        """Every call that put text in a channel (messages, edits, interaction responses)."""
        return [c for c in self.calls if c.method in ("POST", "PATCH") and isinstance(c.body, dict)
                and ("content" in c.body or "content" in (c.body.get("data") or {}))]

    # -- driving ---------------------------------------------------------------------------

    def user_message(self, text: str, *, author: JSON | None = None, channel_id: int | None = None,
                     mention: bool = False, role_mention: bool = False, dm: bool = False,
                     reply_to: int | None = None, files: list[tuple[str, str, bytes]] | None = None,
                     voice: bytes | None = None, sizes: dict[str, int] | None = None) -> StoredMessage:
        """A user's message, dispatched as MESSAGE_CREATE. `files` are attachments (name, content
        type, bytes) on the fake's CDN, `voice` a voice message (flag IS_VOICE_MESSAGE, OGG);
        `sizes` states other sizes by file name. Without the message-content intent a guild
        message that does not mention the bot arrives with empty content and no attachments, as on Discord."""
        author = author or self.alice
        if dm:
            channel_id = self._dm_channel(author)
        channel_id = channel_id or self.channel_id
        content = f"<@{self.bot_id}> {text}" if mention else f"<@&{self.bot_role_id}> {text}" if role_mention else text
        stored = StoredMessage(self.ids.next(), channel_id, author, content, time.monotonic())
        for name, kind, data in [*(files or []), *([("voice-message.ogg", "audio/ogg", voice)] if voice else [])]:
            stored.attachments.append(self._attachment(channel_id, name, kind, data, (sizes or {}).get(name),
                                                       voice=voice is not None and name == "voice-message.ogg"))
        referenced = None
        if reply_to is not None:
            stored.reference = {"message_id": str(reply_to), "channel_id": str(channel_id)}
            referenced = self.message_payload(self.messages[reply_to])
        self.messages[stored.id] = stored
        payload = self.message_payload(stored, referenced=referenced)
        guild_message = self._guild_of(channel_id) is not None
        if guild_message and not (mention or role_mention or self.gateway.intents & MESSAGE_CONTENT_INTENT):
            payload["content"], payload["attachments"] = "", []
        if mention:
            payload["mentions"] = [{**self.bot_user, "member": models.member([self.bot_role_id])}]
        if role_mention:
            payload["mention_roles"] = [str(self.bot_role_id)]
        self.gateway.dispatch("MESSAGE_CREATE", payload)
        return stored

    def user_thread(self, name: str, *, author: JSON | None = None, parent: int | None = None) -> int:
        """A thread a user started (the bot does not own it); returns its id."""
        thread_id = self.ids.next()
        self.open_thread(thread_id, parent or self.channel_id, int((author or self.alice)["id"]), name)
        return thread_id

    def slash(self, name: str, options: dict[str, str] | None = None, *, author: JSON | None = None,
              channel_id: int | None = None, dm: bool = False, user_install: bool = False) -> InteractionRecord:
        """A slash command as INTERACTION_CREATE (string options only, which is all we use). With
        `user_install`, from the app a person installed (possibly where the bot is not: ``elsewhere``)."""
        scope = self._commands_scope(channel_id)
        registered = {c["name"]: c for c in self.commands.get(scope, [])}
        if user_install and name in registered:  # Discord offers a command only where it was registered for
            assert models.USER_INSTALL in (registered[name].get("integration_types") or []), f"/{name}: no user install"
        data = {"id": str(self.ids.next()), "name": name, "type": 1,
                "options": [{"name": k, "type": STRING_OPTION, "value": v} for k, v in (options or {}).items()]}
        return self._interact(APPLICATION_COMMAND, data, author=author, channel_id=channel_id, dm=dm,
                              user_install=user_install)

    def autocomplete(self, name: str, option: str, value: str, *, author: JSON | None = None) -> InteractionRecord:
        data = {"id": str(self.ids.next()), "name": name, "type": 1,
                "options": [{"name": option, "type": STRING_OPTION, "value": value, "focused": True}]}
        return self._interact(AUTOCOMPLETE, data, author=author)

    def select(self, message_id: int, value: str, *, author: JSON | None = None) -> InteractionRecord:
        """A click on the select menu of a bot message, choosing the option with ``value``."""
        stored = self.messages[message_id]
        select = stored.components[0]["components"][0]
        assert value in [o["value"] for o in select["options"]], f"{value!r} is not an option"
        data = {"custom_id": select["custom_id"], "component_type": select["type"], "values": [value]}
        return self._interact(COMPONENT, data, author=author, channel_id=stored.channel_id,
                              message=self.message_payload(stored))

    def click(self, message_id: int, custom_id: str, *, author: JSON | None = None) -> InteractionRecord:
        """A click on the button with ``custom_id`` under a bot message."""
        stored = self.messages[message_id]
        buttons = [c for row in stored.components for c in row.get("components", []) if c.get("type") == 2]
        assert custom_id in [b.get("custom_id") for b in buttons], f"{custom_id!r} is not a button here"
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interact(COMPONENT, data, author=author, channel_id=stored.channel_id,
                              message=self.message_payload(stored))

    def component(self, data: JSON, *, message_id: int, author: JSON | None = None, channel_id: int | None = None,
                  dm: bool = False) -> InteractionRecord:
        """A component interaction with any ``data`` (custom_id, component_type, values) under the
        stored message ``message_id``: what a click sends, unchecked (for the fuzz tests)."""
        message = self.message_payload(self.messages[message_id])
        return self._interact(COMPONENT, data, author=author, channel_id=channel_id, dm=dm, message=message)

    def rate_limit(self, route: str, *, times: int = 1, retry_after: float = 0.05, is_global: bool = False) -> None:
        """The next ``times`` calls to ``route`` get a 429 as Discord's edge sends it."""
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        headers = {"Via": "1.1 google", "Retry-After": str(math.ceil(retry_after)),
                   "X-RateLimit-Scope": "shared" if not is_global else "global"}
        self.inject(route, Canned(429, body, headers), times=times)

    def flood_limit(self, rule: FloodRule | None) -> None:
        """Message creates/edits beyond `rule` per channel (per interaction token for webhooks) get a 429."""
        self.flood = None if rule is None else FloodModel(rule)

    def fail(self, route: str, status: int, code: int, message: str, *, times: int = 1) -> None:
        """The next ``times`` calls to ``route`` get Discord's error body with this status and code."""
        self.inject(route, Canned(status, {"message": message, "code": code}), times=times)

    async def drop_connection(self, *, replay: Iterable[int | str] = ()) -> None:
        """Drops the gateway socket; events with these ids are delivered again after RESUME."""
        await self.gateway.drop(replay=[str(i) for i in replay])

    # -- used by the REST routes -----------------------------------------------------------

    def store_bot_message(self, channel_id: int, body: JSON, *, interaction: InteractionRecord | None = None
                          ) -> StoredMessage:
        check_content(body)
        stored = StoredMessage(self.ids.next(), channel_id, self.bot_user, str(body.get("content") or ""),
                               time.monotonic(), flags=int(body.get("flags", 0)),
                               components=list(body.get("components") or []),
                               allowed_mentions=body.get("allowed_mentions"), reference=body.get("message_reference"))
        stored.ours = True
        stored.history.append(stored.content)
        if interaction is not None:
            stored.webhook_id, stored.interaction_id = self.app_id, interaction.id
        self.pings.extend(would_ping(stored.content, stored.allowed_mentions))
        self.messages[stored.id] = stored
        if not stored.flags & EPHEMERAL:  # Discord echoes a bot's own messages back to it
            self.gateway.dispatch("MESSAGE_CREATE", self.message_payload(stored))
        self.bump()
        return stored

    def apply_edit(self, stored: StoredMessage, body: JSON) -> None:
        check_content(body)
        if "content" in body:
            stored.content = str(body["content"] or "")
            stored.history.append(stored.content)
        if "components" in body:
            stored.components = list(body["components"] or [])
        stored.allowed_mentions = body.get("allowed_mentions")
        stored.flags &= ~LOADING
        stored.edits += 1
        self.pings.extend(would_ping(stored.content, stored.allowed_mentions))
        self.bump()

    def message_payload(self, stored: StoredMessage, *, referenced: JSON | None = None) -> JSON:
        guild_id = self._guild_of(stored.channel_id)
        member = None
        if guild_id is not None:
            member = models.member([self.bot_role_id] if stored.ours else self.roles.get(stored.author["id"], []))
        return models.message(stored, guild_id=guild_id, author_member=member, referenced=referenced)

    def open_thread(self, thread_id: int, parent_id: int, owner_id: int, name: str) -> JSON:
        payload = models.thread(thread_id, self.guild_id, parent_id, owner_id, name)
        self.channels[thread_id] = payload
        self.gateway.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        self.bump()
        return payload

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.token == token), None)

    # -- internals -------------------------------------------------------------------------

    def _guild_of(self, channel_id: int) -> int | None:
        guild = (self.channels.get(channel_id) or self.elsewhere.get(channel_id, {})).get("guild_id")
        return int(guild) if guild else None

    def _commands_scope(self, channel_id: int | None) -> str:
        """Where a command typed in this channel is looked up: the server's own commands, else the global ones."""
        guild = self._guild_of(channel_id or self.channel_id)
        return str(guild) if guild is not None and str(guild) in self.commands else "global"

    def _dm_channel(self, author: JSON) -> int:
        if author["id"] not in self.dms:
            channel_id = self.ids.next()
            self.dms[author["id"]] = channel_id
            self.channels[channel_id] = models.dm_channel(channel_id, author)
        return self.dms[author["id"]]

    def _interact(self, kind: int, data: JSON, *, author: JSON | None, channel_id: int | None = None,
                  dm: bool = False, message: JSON | None = None, user_install: bool = False) -> InteractionRecord:
        author = author or self.alice
        channel_id = self._dm_channel(author) if dm else channel_id or self.channel_id
        interaction_id = self.ids.next()
        channel = self.channels.get(channel_id) or self.elsewhere[channel_id]
        payload = models.interaction(interaction_id, self.app_id, kind, data, channel=channel,
                                     guild_id=self._guild_of(channel_id), author=author,
                                     roles=self.roles.get(author["id"], []), user_install=user_install)
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(interaction_id, payload["token"], kind, channel_id, payload, time.monotonic())
        self.interactions[interaction_id] = record
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    def _attachment(self, channel_id: int, name: str, kind: str, data: bytes, size: int | None, *,
                    voice: bool) -> JSON:
        """An attachment as Discord lists it; its bytes go on the fake CDN under a signed-looking URL."""
        attachment_id = self.ids.next()
        path = f"/attachments/{channel_id}/{attachment_id}/{name}"
        self.cdn[path] = data
        url = f"{self.root_url}{path}?ex=67f0a0a0&is=67ef4f20&hm=abc123"
        payload: JSON = {"id": str(attachment_id), "filename": name, "size": len(data) if size is None else size,
                         "url": url, "proxy_url": url, "content_type": kind}
        if voice:
            payload |= {"flags": IS_VOICE_MESSAGE, "duration_secs": 2.5, "waveform": "AAAA"}
        return payload

    async def _cdn(self, request: web.Request) -> web.Response:
        """The CDN: an attachment's bytes for its URL (no Authorization needed, as on Discord)."""
        data = self.cdn.get(request.path)
        self.record(Call("GET", "/attachments", request.path, dict(request.query), None, time.monotonic(),
                         status=200 if data is not None else 404))
        if data is None:
            return web.Response(status=404, text="Not Found")
        self.cdn_downloads.append(request.path)
        return web.Response(body=data, content_type="application/octet-stream")

    def _hello(self, session_id: str) -> tuple[JSON, JSON]:
        """READY (with the guild unavailable) and the GUILD_CREATE that fills it in."""
        ready = {"v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False},
                 "guilds": [{"id": str(self.guild_id), "unavailable": True}], "session_id": session_id,
                 "resume_gateway_url": self.gateway_url, "application": {"id": str(self.app_id), "flags": 0},
                 "private_channels": [], "relationships": [], "presences": [], "session_type": "normal"}
        roles = [models.role(self.guild_id, "@everyone"),
                 models.role(self.bot_role_id, "Switchboard", position=1, bot_id=self.bot_id),
                 models.role(self.helper_role_id, "helper", position=2)]
        members = [models.member([self.bot_role_id], self.bot_user), models.member([], self.alice),
                   models.member([self.helper_role_id], self.bob)]
        channels = [c for c in self.channels.values() if c["type"] == models.TEXT_CHANNEL]
        threads = [c for c in self.channels.values() if c["type"] == models.PUBLIC_THREAD]
        guild = models.guild(self.guild_id, owner_id=int(self.alice["id"]), roles=roles, channels=channels,
                             members=members, threads=threads)
        return ready, guild

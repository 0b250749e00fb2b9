"""A local fake Telegram Bot API server that the real aiogram ``Bot`` talks to over HTTP.

Tests push updates in, read back what the bot called, inject failures, and await state
changes with ``wait_for`` instead of sleeping. Records and text rules live in
``telegram_models.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from aiohttp import web

from tests.fakes.base import FakeServer, Fault
from tests.fakes.flood import FloodModel, FloodRule
from tests.fakes.telegram_models import (
    JSON,
    MAX_CAPTION,
    MAX_RICH,
    Call,
    Draft,
    SentMessage,
    TelegramError,
    UploadedFile,
    Version,
    Violation,
    bad_request,
    render_text,
    utf16_len,
)

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

Handler = Callable[[JSON], Awaitable[Any]]

_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?")
_FILE_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")
DOWNLOAD_CAP = 20 * 1024 * 1024  # getFile refuses bigger files: "file is too big"
# Form values of these fields are kept verbatim: they are free text or opaque ids.
_VERBATIM = frozenset({"text", "caption", "data", "query", "callback_query_id", "url", "title",
                       "secret_token", "description", "inline_message_id", "language_code"})
# Calls that count against a chat's flood limit (drafts too: they are messages being written).
FLOOD_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendMessageDraft")
_CHAT_ACTIONS = frozenset({"typing", "upload_photo", "record_video", "upload_video",
                           "record_voice", "upload_voice", "upload_document", "choose_sticker",
                           "find_location", "record_video_note", "upload_video_note"})
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; "
                   "use deleteWebhook to delete the webhook first")
_SUPERSEDED = ("Conflict: terminated by other getUpdates request; "
               "make sure that only one bot instance is running")
_AUTO_ENTITY_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@\w+)?|(?<![\w@])@\w{5,32}")


def _decode(key: str, value: Any) -> Any:
    """Form fields are strings; nested objects arrive JSON-serialised."""
    if not isinstance(value, str) or key in _VERBATIM:
        return value
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if value[:1] in "[{":
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


async def _read_params(request: web.Request) -> JSON:
    raw: JSON = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        body = await request.json()
        raw.update(body if isinstance(body, dict) else {})
    elif request.body_exists:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    params = {key: _decode(key, value) for key, value in raw.items()}
    for key, value in params.items():  # aiogram sends files as "attach://<part name>"
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.pop(value.removeprefix("attach://"), value)
    return params | files


class FakeTelegram(FakeServer[Call, TelegramError]):
    """An in-process Bot API server; ``async with FakeTelegram() as fake:`` runs it."""

    cancel_handlers = True  # aiogram drops its long poll: its handler is cancelled, as on the real server

    def __init__(self, token: str = "4242:TEST-switchboard-token", *, bot_id: int = 4242,
                 username: str = "switchboard_bot", first_name: str = "Switchboard",
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.token = token
        self.me: JSON = {"id": bot_id, "is_bot": True, "first_name": first_name,
                         "username": username, "can_join_groups": True,
                         "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.drafts: list[Draft] = []
        self.violations: list[Violation] = []
        self.pending_updates: list[JSON] = []
        self.webhook: JSON = {}
        self.commands: dict[str, list[JSON]] = {}
        self.polls_in_flight = 0  # getUpdates requests currently being answered
        self.files: dict[str, tuple[str, bytes, int]] = {}  # file_id -> (file_path, bytes, stated size)
        self.downloads: list[str] = []  # file paths fetched from /file/bot<token>/<path>
        self.lost_paths: set[str] = set()  # getFile still points there, the file server answers 404
        self._clock = clock
        self._chats: dict[int, JSON] = {}
        self._incoming: dict[tuple[int, int], JSON] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._flood: tuple[FloodModel, FloodModel] | None = None  # (private chats, groups)
        self._flood_methods: set[str] = set()
        self._closing = False
        self._holds: dict[str, asyncio.Event] = {}
        self.held: dict[str, int] = {}  # calls waiting on a hold, by method
        handlers: dict[str, Handler] = {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info, "sendMessage": self._send_message,
            "sendPhoto": self._send_photo, "editMessageText": self._edit_message_text,
            "deleteMessage": self._delete_message, "sendMessageDraft": self._send_message_draft,
            "sendChatAction": self._send_chat_action, "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands, "deleteMyCommands": self._delete_my_commands,
            "answerCallbackQuery": self._true, "getChat": self._get_chat, "getFile": self._get_file,
            "sendRichMessage": self._send_rich_message,
        }
        # Bot API method names are case-insensitive; calls are recorded under the canonical one.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # -- lifecycle -------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/file/{tail:.*}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._handle)

    async def stop(self) -> None:
        self._closing = True
        self.bump()  # releases parked long polls so shutdown does not wait for them
        await super().stop()

    def api_server(self) -> TelegramAPIServer:
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, **bot_kwargs: Any) -> Bot:
        """A real aiogram Bot wired to this fake; the caller closes its session."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        return Bot(self.token, session=AiohttpSession(api=self.api_server()), **bot_kwargs)

    # -- reading state ---------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        found = [m for (chat, _), m in self.messages.items() if chat == chat_id]
        return sorted((m for m in found if include_deleted or not m.deleted),
                      key=lambda m: m.message_id)

    def final_texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent_to(chat_id)]

    async def wait_for_call(self, method: str, where: Callable[[Call], bool] | None = None,
                            timeout: float = 5.0) -> Call:
        """The first recorded call to ``method`` (optionally matching ``where``)."""
        def first() -> Call | None:
            return next((c for c in self.calls_to(method) if where is None or where(c)), None)

        return cast(Call, await self.wait_for(first, timeout, what=f"a {method} call"))

    # -- driving ---------------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queues a raw update for getUpdates, numbering it if it has no update_id."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self.pending_updates.append(update)
        self.bump()
        return update

    def user_message(self, chat_id: int, user_id: int, text: str | None = None, *,
                     chat_type: str = "private", username: str | None = None,
                     is_bot: bool = False, first_name: str | None = None,
                     message_thread_id: int | None = None, reply_to_bot: bool = False,
                     entities: list[JSON] | None = None, caption: str | None = None,
                     photo: bool = False, push: bool = True) -> JSON:
        """Builds (and by default queues) a ``message`` update from a user."""
        user = {"id": user_id, "is_bot": is_bot, "first_name": first_name or f"User{user_id}",
                "language_code": "en"} | ({"username": username} if username else {})
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat |= {k: user[k] for k in ("first_name", "username") if k in user}
        else:
            chat |= {"title": f"Chat {chat_id}"} | ({"is_forum": True} if message_thread_id else {})
        self._chats[chat_id] = chat
        message: JSON = {"message_id": self._next_message_id(chat_id), "date": int(time.time()),
                         "chat": chat, "from": user}
        if message_thread_id is not None:
            message |= {"message_thread_id": message_thread_id, "is_topic_message": True}
        body = caption if photo and caption is not None else text or ""
        found = entities if entities is not None else _auto_entities(body)
        if photo:
            message["photo"] = [{"file_id": f"photo-{message['message_id']}", "width": 90,
                                 "file_unique_id": f"u{message['message_id']}", "height": 90}]
            message |= {"caption": body, "caption_entities": found} if body else {}
        else:
            message |= {"text": body} | ({"entities": found} if found else {})
        if reply_to_bot:
            mine = self.sent_to(chat_id)
            if not mine:
                raise ValueError(f"reply_to_bot: the bot has sent nothing to chat {chat_id}")
            message["reply_to_message"] = self._message_json(mine[-1], with_reply=False)
        self._incoming[(chat_id, message["message_id"])] = message
        update = {"update_id": next(self._update_ids), "message": message}
        return self.push_update(update) if push else update

    def add_file(self, data: bytes, *, size: int | None = None, path: str = "") -> tuple[str, str]:
        """Stores a file users can send; returns (file_id, file_unique_id). `size` states another size."""
        number = len(self.files) + 1
        file_id, unique = f"file-{number}-{uuid.uuid4().hex[:8]}", f"u-file-{number}"
        self.files[file_id] = (path or f"documents/file_{number}", data, len(data) if size is None else size)
        return file_id, unique

    def user_media(self, chat_id: int, user_id: int, *, caption: str | None = None, photo: bytes | None = None,
                   voice: bytes | None = None, audio: bytes | None = None,
                   document: tuple[str, str, bytes] | None = None, size: int | None = None,
                   album: str | None = None, push: bool = True, **kw: Any) -> JSON:
        """A message carrying a photo (in two sizes), a voice note, audio or a document
        (name, MIME type, bytes), with an optional caption; `size` overrides the stated size;
        `album` is the media_group_id of the album it belongs to."""
        update = self.user_message(chat_id, user_id, caption, push=False, **kw)
        message = update["message"]
        if album is not None:
            message["media_group_id"] = album
        text = message.pop("text", "")
        entities = message.pop("entities", None)
        if text:
            message |= {"caption": text} | ({"caption_entities": entities} if entities else {})
        if photo is not None:
            thumb_id, thumb_unique = self.add_file(b"thumbnail", path="photos/thumb.jpg")
            file_id, unique = self.add_file(photo, size=size, path=f"photos/file_{len(self.files) + 1}.jpg")
            message["photo"] = [
                {"file_id": thumb_id, "file_unique_id": thumb_unique, "width": 90, "height": 68, "file_size": 9},
                {"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 960,
                 "file_size": self.files[file_id][2]}]
        if voice is not None:
            file_id, unique = self.add_file(voice, size=size, path=f"voice/file_{len(self.files) + 1}.oga")
            message["voice"] = {"file_id": file_id, "file_unique_id": unique, "duration": 3,
                                "mime_type": "audio/ogg", "file_size": self.files[file_id][2]}
        if audio is not None:
            file_id, unique = self.add_file(audio, size=size, path=f"music/file_{len(self.files) + 1}.mp3")
            message["audio"] = {"file_id": file_id, "file_unique_id": unique, "duration": 3, "file_name": "song.mp3",
                                "mime_type": "audio/mpeg", "file_size": self.files[file_id][2]}
        if document is not None:
            name, mime, data = document
            file_id, unique = self.add_file(data, size=size)
            message["document"] = {"file_id": file_id, "file_unique_id": unique, "file_name": name,
                                   "mime_type": mime, "file_size": self.files[file_id][2]}
        self._incoming[(chat_id, message["message_id"])] = message
        return self.push_update(update) if push else update

    def callback_query(self, chat_id: int, user_id: int, data: str,
                       message_id: int | None = None, *, username: str | None = None,
                       push: bool = True) -> JSON:
        """Builds (and by default queues) a button press on a bot message (default: latest)."""
        if message_id is None:
            message_id = self.sent_to(chat_id)[-1].message_id if self.sent_to(chat_id) else 1
        target = self.messages.get((chat_id, message_id))
        # date 0 is how the Bot API marks a message the bot can no longer see.
        message = (self._message_json(target) if target else
                   {"message_id": message_id, "date": 0, "chat": self._chat_json(chat_id)})
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        query = {"id": str(next(self._callback_ids)), "chat_instance": str(chat_id),
                 "from": user | ({"username": username} if username else {}),
                 "message": message, "data": data}
        update = {"update_id": next(self._update_ids), "callback_query": query}
        return self.push_update(update) if push else update

    def stop_generation(self, chat_id: int, draft_id: int, *, message_thread_id: int | None = None,
                        push: bool = True) -> JSON:
        """Builds (and by default queues) the update a user's Stop under a draft sends (Bot API 10.3)."""
        stopped: JSON = {"chat": self._chat_json(chat_id), "draft_id": draft_id}
        if message_thread_id is not None:
            stopped["message_thread_id"] = message_thread_id
        update = {"update_id": next(self._update_ids), "stopped_message_generation": stopped}
        return self.push_update(update) if push else update

    async def deliver_webhook(self, url: str, update: JSON, secret: str | None = None) -> int:
        """POSTs an update as Telegram would to a webhook; returns the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        async with aiohttp.ClientSession() as session, session.post(
                url, json=update, headers=headers) as resp:
            await resp.read()
            return resp.status

    def fail_next(self, method: str, error_code: int = 400, description: str | None = None, *,
                  retry_after: int | None = None, times: int = 1,
                  match: Callable[[JSON], bool] | None = None) -> Fault[TelegramError]:
        """Makes the next ``times`` calls to ``method`` (whose params ``match``) fail."""
        if error_code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}"
                           if error_code == HTTPStatus.TOO_MANY_REQUESTS
                           else f"{HTTPStatus(error_code).phrase}: injected failure")
        canonical = self._methods.get(method.lower(), (method, None))[0]  # names are case-insensitive
        return self.inject(canonical, TelegramError(error_code, description, retry_after), times=times, match=match)

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` wait (unanswered) until the returned event is set."""
        return self._holds.setdefault(self._methods.get(method.lower(), (method, None))[0], asyncio.Event())

    def flood_limit(self, rule: FloodRule | float | None, *, group: FloodRule | float | None = None,
                    methods: Iterable[str] = FLOOD_METHODS) -> None:
        """Refuses sends/edits to a chat beyond `rule` (private chats) and `group` (groups; by
        default the same rule) with a 429 and retry_after, as Telegram does (None: off).
        A float is a plain spacing: one call per that many seconds, no burst."""
        if rule is None:
            self._flood = None
            return
        private = rule if isinstance(rule, FloodRule) else FloodRule(interval=rule)
        groups = private if group is None else group if isinstance(group, FloodRule) else FloodRule(interval=group)
        self._flood = (FloodModel(private), FloodModel(groups))
        self._flood_methods = set(methods)

    # -- HTTP plumbing ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        at = self._clock()
        path = _PATH_RE.fullmatch(request.path)
        if path is None:
            return web.json_response(TelegramError(404, "Not Found").body(), status=404)
        params = await _read_params(request)
        method, handler = self._methods.get(path["method"].lower(), (path["method"], None))
        call = Call(method, params, at)
        try:
            if path["token"] != self.token:
                raise TelegramError(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            if handler is None:
                raise TelegramError(HTTPStatus.NOT_FOUND, "Not Found: method not found")
            if (fault := self.take_fault(method, params)) is not None:
                raise fault
            if (gate := self._holds.get(method)) is not None and not gate.is_set():
                self.held[method] = self.held.get(method, 0) + 1
                self.bump()  # a waiter may be looking for the held call
                await gate.wait()
            self._check_flood(method, params, at)
            call.result = await handler(params)
            body: JSON = {"ok": True, "result": call.result}
        except TelegramError as error:
            call.status, call.error, body = error.code, error.description, error.body()
        self.record(call)
        return web.json_response(body, status=call.status)

    async def _download(self, request: web.Request) -> web.Response:
        """`GET /file/bot<token>/<file_path>`: the bytes of a file getFile pointed to."""
        match = _FILE_RE.fullmatch(request.path)
        found = next((f for f in self.files.values() if match and f[0] == match["path"]
                      and f[0] not in self.lost_paths), None)
        status = 200 if match and match["token"] == self.token and found else 404
        self.record(Call("file", {"file_path": match["path"] if match else request.path}, self._clock(),
                         status=status))
        if status != 200 or found is None:
            return web.json_response(TelegramError(404, "Not Found").body(), status=404)
        self.downloads.append(found[0])
        return web.Response(body=found[1], content_type="application/octet-stream")

    def _check_flood(self, method: str, params: JSON, now: float) -> None:
        chat_id = params.get("chat_id")
        if self._flood is None or method not in self._flood_methods or chat_id is None:
            return
        private, groups = self._flood
        model = private if int(chat_id) > 0 else groups
        wait = model.check(int(chat_id), now)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))  # Telegram says whole seconds
            self.violations.append(Violation(int(chat_id), method, now, wait, retry_after))
            raise TelegramError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # -- chats and messages ----------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _chat_json(self, chat_id: int) -> JSON:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def _message_json(self, msg: SentMessage, *, with_reply: bool = True) -> JSON:
        current = msg.versions[-1]
        data: JSON = {"message_id": msg.message_id, "date": msg.date,
                      "chat": self._chat_json(msg.chat_id), "from": self.me}
        if msg.message_thread_id is not None:
            data |= {"message_thread_id": msg.message_thread_id, "is_topic_message": True}
        if msg.kind == "photo":
            data["photo"] = msg.photo
            if current.text:
                data |= {"caption": current.text, "caption_entities": current.entities}
        elif msg.kind == "rich":  # the Markdown is kept as it was sent; Telegram's blocks are not modelled
            data["rich_message"] = {"blocks": [{"type": "paragraph", "text": current.text}]}
        else:
            data["text"] = current.text
            data |= {"entities": current.entities} if current.entities else {}
        if current.reply_markup and "inline_keyboard" in current.reply_markup:
            data["reply_markup"] = current.reply_markup  # only inline keyboards are echoed back
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        key = (msg.chat_id, msg.reply_to_message_id or 0)
        if with_reply and (key in self._incoming or key in self.messages):
            replied = self.messages.get(key)
            data["reply_to_message"] = (self._message_json(replied, with_reply=False) if replied
                                        else self._incoming[key])
        return data

    def _store(self, params: JSON, text: str, entities: list[JSON], *, kind: str = "text",
               photo: list[JSON] | None = None) -> JSON:
        chat_id = _chat_id(params)
        reply = params.get("reply_parameters") or {}
        msg = SentMessage(chat_id, self._next_message_id(chat_id), int(time.time()),
                          [Version(text, entities, params.get("reply_markup"), self._clock())],
                          kind=kind, photo=photo,
                          message_thread_id=params.get("message_thread_id"),
                          reply_to_message_id=reply.get("message_id")
                          or params.get("reply_to_message_id"))
        self.messages[(chat_id, msg.message_id)] = msg
        return self._message_json(msg)

    # -- Bot API methods -------------------------------------------------------------------

    async def _true(self, params: JSON) -> bool:
        return True

    async def _get_me(self, params: JSON) -> JSON:
        return self.me

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook.get("url"):
            raise TelegramError(409, _WEBHOOK_ACTIVE)
        offset = int(params.get("offset") or 0)
        if offset > 0:  # confirms every update below the offset
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        elif offset < 0:
            self.pending_updates = self.pending_updates[offset:]
        if "allowed_updates" in params:
            self._allowed_updates = set(params["allowed_updates"] or ()) or None
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self.polls_in_flight += 1
        self.bump()  # an older poll wakes up and learns it was superseded
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0, int(params.get("timeout") or 0))):
                    while not self._closing and not self._deliverable(limit):
                        if generation != self._poll_generation:
                            raise TelegramError(409, _SUPERSEDED)
                        await self.changes.wait()
        finally:
            self.polls_in_flight -= 1
        return [] if self._closing else self._deliverable(limit)

    def _deliverable(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates
        return [u for u in self.pending_updates
                if allowed is None or next(k for k in u if k != "update_id") in allowed][:limit]

    async def _set_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        self.webhook = {k: v for k, v in params.items() if k != "drop_pending_updates"}
        return True

    async def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        self.webhook = {}
        return True

    async def _get_webhook_info(self, params: JSON) -> JSON:
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.pending_updates)}
        return info | ({"allowed_updates": self.webhook["allowed_updates"]}
                       if "allowed_updates" in self.webhook else {})

    async def _send_message(self, params: JSON) -> JSON:
        _chat_id(params)
        return self._store(params, *render_text(params))

    async def _send_photo(self, params: JSON) -> JSON:
        if params.get("photo") is None:
            raise bad_request("there is no photo in the request")
        text, entities = render_text(params, "caption", limit=MAX_CAPTION)
        sizes = [{"file_id": f"bot-photo-{len(self.messages) + 1}", "file_unique_id": "p",
                  "width": 320, "height": 240}]
        return self._store(params, text, entities, kind="photo", photo=sizes)

    async def _edit_message_text(self, params: JSON) -> JSON | bool:
        rich = params.get("rich_message")
        text, entities = (_rich_markdown(rich), []) if rich is not None else render_text(params)
        if params.get("inline_message_id"):
            return True  # inline messages are not tracked; Telegram also answers True
        msg = self.messages.get((_chat_id(params), params.get("message_id", 0)))
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if msg.kind not in ("text", "rich"):
            raise bad_request("there is no text in the message to edit")
        markup = params.get("reply_markup")  # omitting it removes the keyboard, as on Telegram
        kind = "rich" if rich is not None else "text"
        if (kind, text, entities, markup) == (msg.kind, msg.text, msg.entities, msg.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        msg.kind = kind
        msg.versions.append(Version(text, entities, markup, self._clock()))
        msg.edit_date = int(time.time())
        return self._message_json(msg)

    async def _delete_message(self, params: JSON) -> bool:
        msg = self.messages.get((_chat_id(params), params.get("message_id", 0)))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        msg.deleted = True
        return True

    async def _send_message_draft(self, params: JSON) -> bool:
        chat_id = _chat_id(params)
        if not params.get("draft_id"):
            raise bad_request("draft_id must be non-zero")  # wording is the fake's own
        text, entities = render_text(params, allow_empty=True)
        self.drafts.append(Draft(chat_id, params["draft_id"], text, entities,
                                 params.get("message_thread_id"), self._clock(),
                                 can_stop=bool(params.get("can_stop")),
                                 keep_on_stop=bool(params.get("keep_on_stop"))))
        return True

    async def _send_rich_message(self, params: JSON) -> JSON:
        _chat_id(params)
        markdown = _rich_markdown(params.get("rich_message"))
        return self._store(params, markdown, [], kind="rich")

    async def _send_chat_action(self, params: JSON) -> bool:
        _chat_id(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _set_my_commands(self, params: JSON) -> bool:
        self.commands[_commands_key(params)] = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands.get(_commands_key(params), [])

    async def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    async def _get_file(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        path, _, size = self.files[file_id]
        if size > DOWNLOAD_CAP:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, "file_path": path}

    async def _get_chat(self, params: JSON) -> JSON:
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)
        return self._chat_json(_chat_id(params)) | {
            "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def _chat_id(params: JSON) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")  # @usernames are not modelled
    return chat_id


def _rich_markdown(rich: object) -> str:
    """The Markdown of an InputRichMessage (html and blocks are not modelled), checked as Telegram checks it."""
    if not isinstance(rich, dict) or not isinstance(rich.get("markdown"), str):
        raise bad_request("rich message must have exactly one of html, markdown or blocks")
    markdown = str(rich["markdown"])
    if not markdown.strip():
        raise bad_request("rich message is empty")
    if utf16_len(markdown) > MAX_RICH:
        raise bad_request("rich message is too long")
    return markdown


def _commands_key(params: JSON) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{scope.get('type')}:{params.get('language_code') or ''}"


def _auto_entities(text: str) -> list[JSON]:
    """bot_command and mention entities, as Telegram adds them to incoming text."""
    return [{"type": "bot_command" if m[0].startswith("/") else "mention",
             "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
            for m in _AUTO_ENTITY_RE.finditer(text)]

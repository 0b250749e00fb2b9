"""Telegram updates -> Inbound: any message aiogram accepts (text, or a photo, voice note, audio,
document... with hostile names, types and sizes, alone or in an album), any button press (the
Stop button, a choice, an expired one) and any native Stop under a draft
(stopped_message_generation) is parsed without an error, a private message from a person is
always answered, and what comes out can be queued (JSON, UTF-8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.types import CallbackQuery, Message, Update
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from bots.telegram.addressing import BotIdentity
from bots.telegram.files import attachments_of
from bots.telegram.inbound import from_album, from_callback, from_message, from_stopped
from bots.telegram.keyboards import STOP_COMMAND, callback_data, resolve
from core.commands import COMMAND_NAMES
from core.hygiene import clean_inbound
from core.types import Inbound
from tests.fuzz.strategies import hostile_text, json_values

pytestmark = pytest.mark.fuzz

ME = BotIdentity(4242, "switchboard_bot")
KINDS = ("mention", "bot_command", "text_mention", "bold", "code", "pre", "url", "text_link", "hashtag")


@st.composite
def entity(draw: st.DrawFn, size: int) -> dict[str, Any]:
    data: dict[str, Any] = {"type": draw(st.sampled_from(KINDS)), "offset": draw(st.integers(-2, size + 3)),
                            "length": draw(st.integers(0, size + 3))}
    if data["type"] == "text_mention":
        data["user"] = {"id": draw(st.sampled_from([ME.id, 7])), "is_bot": False, "first_name": "x"}
    if data["type"] == "text_link":
        data["url"] = "https://example.com"
    return data


@st.composite
def user(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {"id": draw(st.sampled_from([7, 1001, ME.id])), "is_bot": draw(st.booleans()),
                             "first_name": draw(hostile_text), "last_name": draw(st.none() | hostile_text)}
    if draw(st.booleans()):
        found["username"] = draw(st.sampled_from(["alice", "switchboard_bot", "x" * 40]))
    return found


def _or_wrong(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value of the type Telegram sends; one time in 20 one of any JSON shape (aiogram refuses
    most: rarer, or few messages would get past it)."""
    return st.integers(0, 19).flatmap(lambda n: json_values if n == 0 else valid)


sizes = _or_wrong(st.none() | st.integers(-(2**63), 2**70))
file_ids = _or_wrong(st.sampled_from(["AgACAgIAAxkBAAIBZ2", "", "x" * 300]) | hostile_text)
mime_types = _or_wrong(st.none() | st.sampled_from(["audio/ogg", "audio/mpeg", "image/png", "application/pdf",
                                                    "text/plain; charset=utf-8", "video/mp4", ""]) | hostile_text)
file_names = _or_wrong(st.none() | st.sampled_from(["report.pdf", ".txt", "a" * 300]) | hostile_text)


@st.composite
def a_file(draw: st.DrawFn, **extra: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A file as Telegram describes it (file_id, file_unique_id, file_size...), hostile values in."""
    found = {"file_id": draw(file_ids), "file_unique_id": draw(file_ids), "file_size": draw(sizes)}
    found |= {key: draw(value) for key, value in extra.items()}
    return {key: value for key, value in found.items() if value is not None or draw(st.booleans())}


pixels = _or_wrong(st.integers(-1, 2**40))
seconds = _or_wrong(st.integers(-1, 2**31))
MEDIA_KINDS: dict[str, st.SearchStrategy[Any]] = {
    "photo": st.lists(a_file(width=pixels, height=pixels), max_size=4),
    "voice": a_file(duration=seconds, mime_type=mime_types),
    "audio": a_file(duration=seconds, mime_type=mime_types, file_name=file_names, title=st.none() | hostile_text),
    "document": a_file(mime_type=mime_types, file_name=file_names),
    "video": a_file(width=pixels, height=pixels, duration=seconds, mime_type=mime_types),
    "sticker": a_file(width=pixels, height=pixels, type=st.just("regular"), is_animated=st.booleans(),
                      is_video=st.booleans()),
}
READ = ("photo", "voice", "audio", "document")  # what becomes an attachment (bots/telegram/files.py)


@st.composite
def chat(draw: st.DrawFn, chat_type: str | None = None) -> dict[str, Any]:
    kind = chat_type or draw(st.sampled_from(["private", "group", "supergroup", "channel"]) | hostile_text)
    found: dict[str, Any] = {"id": 1001 if kind == "private" else draw(st.sampled_from([-1002003004005, 0]) |
                                                                     st.integers(-(2**63), 2**63)),
                             "type": kind}
    if kind != "private":
        found["title"] = draw(hostile_text)
    if draw(st.booleans()):
        found |= {"username": draw(hostile_text), "first_name": draw(hostile_text)}
    return found


@st.composite
def message(draw: st.DrawFn, depth: int = 1) -> dict[str, Any]:
    chat_type = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    data: dict[str, Any] = {"message_id": draw(st.integers(1, 2**31)), "date": 1700000000,
                            "chat": draw(chat(chat_type)), "from": draw(user())}
    text = draw(hostile_text)
    size = len(text.encode("utf-16-le", "surrogatepass")) // 2
    entities = draw(st.lists(entity(size), max_size=4))
    kind = draw(st.sampled_from(["text", *MEDIA_KINDS]))
    if kind == "text":
        data |= {"text": text, "entities": entities}
    else:
        data[kind] = draw(MEDIA_KINDS[kind])
        if draw(st.booleans()):
            data |= {"caption": text, "caption_entities": entities}
        if draw(st.integers(0, 3)) == 0:
            data["media_group_id"] = draw(_or_wrong(st.sampled_from(["13579246801357924", ""]) | hostile_text))
    if draw(st.booleans()):
        data |= {"message_thread_id": draw(st.integers(1, 99)), "is_topic_message": draw(st.booleans())}
    if depth and draw(st.booleans()):
        data["reply_to_message"] = draw(message(depth=0))
    if draw(st.integers(0, 9)) == 0:
        data["new_chat_members"] = [draw(user())]  # a service message
    return data


def _content(data: dict[str, Any]) -> bool:
    """What Telegram sends as a person's message: text (never empty), or media."""
    return bool(data.get("text")) or any(data.get(kind) for kind in MEDIA_KINDS)


def _queued(inbound: Inbound) -> None:
    """What the gateway does with it: cleaned, queued as JSON in Redis (UTF-8), read back."""
    clean = clean_inbound(inbound)
    raw = clean.to_json()
    raw.encode("utf-8")
    assert Inbound.from_json(raw) == clean


DOCUMENT: dict[str, Any] = {
    "message_id": 1, "date": 1700000000, "chat": {"id": 1001, "type": "private"},
    "from": {"id": 1001, "is_bot": False, "first_name": "x"},
    "document": {"file_id": "d", "file_unique_id": "u", "file_name": "\ud800.pdf", "mime_type": "application/pdf"},
}


@given(message(), st.integers(1, 2**40))
@example(DOCUMENT, 1)  # a lone surrogate in a file's name was not cleaned: no UTF-8 for the queue
def test_any_message_aiogram_reads_is_parsed(data: dict[str, Any], update_id: int) -> None:
    try:
        parsed = Message.model_validate(data)
    except ValidationError:
        return  # the webhook answers these 400 (tests/telegram/test_fuzz_webhook.py)
    received = from_message(parsed, update_id, ME, COMMAND_NAMES)
    person = not data["from"]["is_bot"]
    if data["chat"]["type"] == "private" and person and _content(data) and "new_chat_members" not in data:
        assert received is not None  # nobody writing to the bot directly is ignored
    if received is not None:
        assert person
        _queued(received.inbound)
        files = [kind for kind in READ if data.get(kind)]
        assert len(received.inbound.attachments) == min(len(files), 1)  # one file a message, photo first
        if received.media_only:
            assert not received.inbound.text and not files


@st.composite
def album(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The messages of one album: one sender, one chat, one media_group_id; one caption at most."""
    items = draw(st.lists(message(depth=0), min_size=1, max_size=5))
    head = items[0]
    group = draw(st.sampled_from(["13579246801357924", ""]) | hostile_text)
    caption = draw(st.integers(0, len(items)))
    for n, item in enumerate(items):
        item |= {"chat": head["chat"], "from": head["from"], "media_group_id": group, "message_id": n + 1}
        item.pop("new_chat_members", None)
        if n != caption:
            item.pop("caption", None)
            item.pop("caption_entities", None)
    return items


@given(album(), st.integers(1, 2**40))
def test_any_album_is_parsed_as_one_message(items: list[dict[str, Any]], update_id: int) -> None:
    try:
        parsed = [Message.model_validate(item) for item in items]
    except ValidationError:
        return
    received = from_album(parsed, update_id, ME, COMMAND_NAMES)
    if received is None:
        return
    _queued(received.inbound)
    if len(parsed) > 1:  # every item's file goes with the one message
        assert received.inbound.attachments == tuple(a for m in parsed for a in attachments_of(m))


async def _models() -> list[str]:
    return ["/model " + "x" * 80]  # one choice long enough to travel hashed


@given(message(), st.one_of(hostile_text, st.sampled_from([STOP_COMMAND, callback_data("/model " + "x" * 80),
                                                           "#", "#" + "A" * 16, "/"])),
       st.booleans(), st.integers(1, 2**40))
def test_any_button_press_is_parsed(data: dict[str, Any], pressed: str, visible: bool, update_id: int) -> None:
    # date 0: the Bot API's mark of a message the bot can no longer see (an InaccessibleMessage)
    shown = data if visible else {"message_id": data["message_id"], "date": 0, "chat": data["chat"]}
    query = {"id": "1", "chat_instance": "c", "from": data["from"], "data": pressed, "message": shown}
    try:
        parsed = CallbackQuery.model_validate(query)
    except ValidationError:
        return
    command = asyncio.run(resolve(parsed.data, _models))  # what the handler does first
    if command is None:
        return  # "this button has expired"
    inbound = from_callback(parsed, update_id, ME, command)
    assert inbound is not None and inbound.text == command
    _queued(inbound)


@given(chat(), _or_wrong(st.integers(-(2**63), 2**70)), st.none() | _or_wrong(st.integers(-(2**31), 2**31)),
       st.integers(1, 2**40))
def test_any_stop_under_a_draft_is_parsed(where: dict[str, Any], draft_id: Any, thread: Any, update_id: int) -> None:
    stopped = {"chat": where, "draft_id": draft_id} | ({} if thread is None else {"message_thread_id": thread})
    try:
        update = Update.model_validate({"update_id": update_id, "stopped_message_generation": stopped})
    except ValidationError:
        return  # the webhook answers these 400
    assert update.event_type == "stopped_message_generation" and update.stopped_message_generation is not None
    inbound = from_stopped(update.stopped_message_generation, update_id, ME)
    assert inbound.text == "" and inbound.user_id == inbound.chat_id
    _queued(inbound)

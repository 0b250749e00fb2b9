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

from bots.telegram.files import attachments_of
from bots.telegram.inbound import from_album, from_callback, from_message, from_stopped
from bots.telegram.keyboards import STOP_COMMAND, callback_data, resolve
from core.commands import COMMAND_NAMES
from core.hygiene import clean_inbound
from core.types import Inbound
from tests.fuzz.strategies import hostile_text
from tests.fuzz.telegram_payloads import ME, MEDIA_KINDS, READ, album, chat, message, or_wrong

pytestmark = pytest.mark.fuzz

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


@given(chat(), or_wrong(st.integers(-(2**63), 2**70)), st.none() | or_wrong(st.integers(-(2**31), 2**31)),
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

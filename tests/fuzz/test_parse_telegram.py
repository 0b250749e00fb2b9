"""Telegram updates -> Inbound: any message aiogram accepts is parsed without an error, a private
text message from a person is always answered, and what comes out can be queued (JSON, UTF-8)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import CallbackQuery, Message
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bots.telegram.addressing import BotIdentity
from bots.telegram.inbound import from_callback, from_message
from core.commands import COMMAND_NAMES
from core.hygiene import clean_inbound
from core.types import Inbound
from tests.fuzz.strategies import hostile_text

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


@st.composite
def message(draw: st.DrawFn, depth: int = 1) -> dict[str, Any]:
    chat_type = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    chat: dict[str, Any] = {"id": 1001 if chat_type == "private" else -1002003004005, "type": chat_type}
    if chat_type != "private":
        chat["title"] = draw(hostile_text)
    text = draw(hostile_text)
    data: dict[str, Any] = {"message_id": draw(st.integers(1, 2**31)), "date": 1700000000, "chat": chat,
                            "from": draw(user())}
    size = len(text.encode("utf-16-le", "surrogatepass")) // 2
    entities = draw(st.lists(entity(size), max_size=4))
    if draw(st.booleans()):
        data |= {"text": text, "entities": entities}
    else:
        data |= {"caption": text, "caption_entities": entities,
                 "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}
    if draw(st.booleans()):
        data |= {"message_thread_id": draw(st.integers(1, 99)), "is_topic_message": draw(st.booleans())}
    if depth and draw(st.booleans()):
        data["reply_to_message"] = draw(message(depth=0))
    if draw(st.integers(0, 9)) == 0:
        data["new_chat_members"] = [draw(user())]  # a service message
    return data


def _queued(inbound: Inbound) -> None:
    """What the gateway does with it: cleaned, queued as JSON in Redis (UTF-8), read back."""
    clean = clean_inbound(inbound)
    raw = clean.to_json()
    raw.encode("utf-8")
    assert Inbound.from_json(raw) == clean


@given(message(), st.integers(1, 2**40))
def test_any_message_aiogram_reads_is_parsed(data: dict[str, Any], update_id: int) -> None:
    try:
        parsed = Message.model_validate(data)
    except ValidationError:
        return  # the webhook answers these 400 (tests/fuzz/test_route_telegram.py)
    received = from_message(parsed, update_id, ME, COMMAND_NAMES)
    person = not data["from"]["is_bot"]
    content = bool(data.get("text")) or "photo" in data  # Telegram sends no empty text
    if data["chat"]["type"] == "private" and person and content and "new_chat_members" not in data:
        assert received is not None  # nobody writing to the bot directly is ignored
    if received is not None:
        assert person
        _queued(received.inbound)


@given(message(), hostile_text, st.integers(1, 2**40))
def test_any_button_press_is_parsed(data: dict[str, Any], command: str, update_id: int) -> None:
    query = {"id": "1", "chat_instance": "c", "from": data["from"], "data": command, "message": data}
    try:
        parsed = CallbackQuery.model_validate(query)
    except ValidationError:
        return
    inbound = from_callback(parsed, update_id, ME, command)
    if inbound is not None:
        _queued(inbound)

"""Slack payloads -> Inbound: events (files shared with them too), slash commands and button
presses (choices, Stop, feedback) of any shape (Socket Mode delivers them without the HTTP
route's check) parse without an error into something queueable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bots.slack.answer_blocks import rated
from bots.slack.inbound import command_text, from_action, from_command, from_event
from core.hygiene import clean_inbound
from core.types import Inbound
from tests.fuzz.slack_payloads import (
    FEEDBACK_CLICK,
    FILE,
    FILE_EVENT,
    STOP_PRESS,
    file_values,
    press_values,
    rating_values,
)
from tests.fuzz.strategies import hostile_text, json_values, spoiled

pytestmark = pytest.mark.fuzz

BOT = "U0BOT"
# Real field names with values of any JSON shape, hostile strings weighted in.
values = st.one_of(hostile_text, json_values, st.sampled_from(["D0ALICE", "C0GENERAL", "U1", BOT, "1.0", "im"]))
EVENT_KEYS = ("type", "user", "channel", "ts", "thread_ts", "text", "subtype", "bot_id", "channel_type", "team",
              "user_team")
ACTION_KEYS = ("user", "container", "message", "channel", "team", "trigger_id", "response_url")
COMMAND_KEYS = ("channel_id", "user_id", "user_name", "text", "channel_name", "team_id", "trigger_id", "response_url")


def _payload(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), values, max_size=len(keys))


def _queued(inbound: Inbound) -> None:
    clean = clean_inbound(inbound)
    raw = clean.to_json()
    raw.encode("utf-8")
    assert Inbound.from_json(raw) == clean


@given(_payload(("team_id",)), _payload(EVENT_KEYS), st.sampled_from([BOT, ""]))
def test_any_event_is_parsed(body: dict[str, Any], event: dict[str, Any], bot: str) -> None:
    inbound = from_event(body, event, bot)
    if inbound is not None:
        assert inbound.user_id and inbound.user_id != bot
        _queued(inbound)


@given(_payload(COMMAND_KEYS))
def test_any_slash_command_is_parsed(command: dict[str, Any]) -> None:
    inbound = from_command(command)
    assert inbound.text.startswith("/")
    _queued(inbound)


@given(_payload(ACTION_KEYS).map(lambda d: d | {"user": d.get("user", {"id": "U1"})}), hostile_text)
def test_any_button_press_is_parsed(body: dict[str, Any], command: str) -> None:
    inbound = from_action(body, command)
    if inbound is not None:
        _queued(inbound)


@given(hostile_text)
def test_any_slash_text_becomes_a_command(text: str) -> None:
    assert command_text(text).startswith("/")


@given(spoiled(FILE_EVENT, file_values, changes=5), st.sampled_from([BOT, ""]))
@example({**FILE_EVENT, "files": ["", FILE]}, BOT)  # an item not an object: AttributeError
@example({**FILE_EVENT, "files": "notes.txt"}, BOT)  # not a list: each character was read as a file
@example({**FILE_EVENT, "files": [FILE | {"mode": []}]}, BOT)  # `mode in frozenset`: unhashable
@example({**FILE_EVENT, "files": [FILE | {"name": "\ud800.txt"}]}, BOT)  # not cleaned: no UTF-8 for the queue
def test_any_event_with_files_is_parsed(event: dict[str, Any], bot: str) -> None:
    inbound = from_event({"team_id": "T1"}, event, bot)
    if inbound is None:
        return
    _queued(inbound)
    files = event.get("files")
    assert len(inbound.attachments) <= (len(files) if isinstance(files, list) else 0)
    for attachment in inbound.attachments:
        assert attachment.ref and attachment.kind in ("audio", "file")
        assert attachment.size is None or type(attachment.size) is int


@given(spoiled(STOP_PRESS, press_values))
def test_any_stop_press_is_parsed(body: dict[str, Any]) -> None:
    inbound = from_action(body, "/stop")  # what the listener hands the gateway's Stop
    if inbound is not None:
        assert inbound.text == "/stop"
        _queued(inbound)


@given(spoiled(FEEDBACK_CLICK, press_values, changes=3), rating_values())
@example(FEEDBACK_CLICK, "[" * 2000)  # nested too deep for json.loads: RecursionError
def test_any_feedback_click_is_parsed(body: dict[str, Any], value: Any) -> None:
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    rating = rated(action | {"value": value})
    if rating is None:
        return
    assert rating.rating in ("up", "down") and rating.answer and isinstance(rating.model, str)
    inbound = from_action(body, "")  # the listener's: who rated, where
    if inbound is not None:
        _queued(inbound)

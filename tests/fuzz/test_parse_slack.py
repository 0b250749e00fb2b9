"""Slack payloads -> Inbound: events (files shared with them too), slash commands and button
presses (choices, Stop, feedback) of any shape (Socket Mode delivers them without the HTTP
route's check) parse without an error into something queueable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bots.slack.answer_blocks import FEEDBACK_ACTION, STOP_ACTION, feedback_block, rated, stop_block
from bots.slack.inbound import command_text, from_action, from_command, from_event
from core.hygiene import clean_inbound
from core.types import Inbound
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


# A file shared with a message, as events list it; its fields get hostile values of any shape.
FILE: dict[str, Any] = {
    "id": "F0000001", "created": 1700000000, "timestamp": 1700000000, "name": "notes.txt", "title": "notes.txt",
    "mimetype": "text/plain", "filetype": "text", "user": "U0ALICE", "user_team": "T1", "mode": "hosted",
    "is_external": False, "size": 12, "url_private": "https://files.slack.com/files-pri/T1-F0000001/notes.txt",
    "url_private_download": "https://files.slack.com/files-pri/T1-F0000001/download/notes.txt",
}
CLIP = FILE | {"id": "F0000002", "name": "audio_message.webm", "mimetype": "audio/webm", "filetype": "webm",
               "subtype": "slack_audio", "size": 48_000}
FILE_EVENT: dict[str, Any] = {
    "type": "message", "subtype": "file_share", "user": "U0ALICE", "channel": "D0ALICE", "channel_type": "im",
    "ts": "1700000001.000001", "event_ts": "1700000001.000001", "text": "what is in these?", "team": "T1",
    "upload": False, "display_as_bot": False, "files": [FILE, CLIP],
}
file_values = st.one_of(
    hostile_text, json_values, st.integers(-(2**70), 2**70),
    st.sampled_from(["hosted", "external", "tombstone", "hidden_by_limit", "snippet", "slack_audio", "",
                     "audio/ogg; codecs=opus", "IMAGE/PNG", "application/pdf", "https://files.slack.com/x",
                     "D0ALICE", "C0GENERAL", "app_mention", "message_changed", "\ud800"]),
)


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


# A click on the Stop button under an answer being written, and on its thumbs up / down once
# finished: block_actions payloads as Slack sends them, with the elements our blocks carry.
_STOP_BUTTON = stop_block()["elements"][0]
_FEEDBACK = feedback_block("C0GENERAL:1700000001.000001", "fake-large")["elements"][0]
_PRESS: dict[str, Any] = {
    "type": "block_actions", "user": {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T1"},
    "api_app_id": "A1", "token": "verification-token", "trigger_id": "1.2.abc",
    "team": {"id": "T1", "domain": "switchboard-test"}, "is_enterprise_install": False,
    "container": {"type": "message", "message_ts": "1700000002.000002", "channel_id": "C0GENERAL",
                  "is_ephemeral": False, "thread_ts": "1700000001.000001"},
    "channel": {"id": "C0GENERAL", "name": "general"},
    "message": {"type": "message", "ts": "1700000002.000002", "thread_ts": "1700000001.000001", "bot_id": "B0BOT",
                "text": "an answer"},
    "response_url": "https://hooks.slack.com/actions/T1/1/abc", "state": {"values": {}},
}
STOP_PRESS = _PRESS | {"actions": [{"type": "button", "action_id": STOP_ACTION, "block_id": "b",
                                    "value": _STOP_BUTTON["value"], "text": _STOP_BUTTON["text"],
                                    "style": "danger", "action_ts": "1700000003.000003"}]}
FEEDBACK_CLICK = _PRESS | {"actions": [{"type": "feedback_buttons", "action_id": FEEDBACK_ACTION, "block_id": "fb",
                                        "value": _FEEDBACK["positive_button"]["value"],
                                        "text": _FEEDBACK["positive_button"]["text"],
                                        "action_ts": "1700000003.000003"}]}
press_values = st.one_of(hostile_text, json_values, st.sampled_from(["D0ALICE", "C0GENERAL", "U0ALICE", "", "im"]))


@st.composite
def rating_values(draw: st.DrawFn) -> Any:
    """What a feedback button's value could hold: the JSON we write with hostile fields, or not JSON."""
    ours = {"r": draw(st.sampled_from(["up", "down"])), "a": "C0GENERAL:1700000001.000001", "m": "fake-large"}
    return draw(st.one_of(
        spoiled(ours, st.one_of(press_values, st.sampled_from(["up", "down", "x" * 5000]))).map(json.dumps),
        press_values,
        st.integers(900, 5000).map(lambda n: "[" * n + "]" * n),  # JSON nested past the parser's depth
    ))


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

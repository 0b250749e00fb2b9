"""Slack payloads -> Inbound: events, slash commands and button presses of any shape (Socket Mode
delivers them without the HTTP route's check) parse without an error into something queueable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.slack.inbound import command_text, from_action, from_command, from_event
from core.hygiene import clean_inbound
from core.types import Inbound
from tests.fuzz.strategies import hostile_text, json_values

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

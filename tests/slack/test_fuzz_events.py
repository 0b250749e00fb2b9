"""The Slack events route (HTTP mode) against generated malformed bodies, signed with the real
secret (so the body, not the signature, is what gets refused): each a 4xx, no error or traceback
in the log, memory flat, and the next real event still answered. Then against bodies Slack's
shapes allow but with hostile values (Stop presses, feedback clicks, messages with files), which
are taken in and acted on: never a 5xx, no error or traceback, and the bot still answers."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bots.slack.answer_blocks import FEEDBACK_ACTION, STOP_ACTION
from tests.fakes.slack_events import ALICE, ALICE_DM, GENERAL
from tests.fakes.slack_models import signed_headers
from tests.fuzz.driver import Bridge, Memory, Run, in_thread, timed, watching_logs
from tests.fuzz.slack_payloads import (
    CLIP,
    FEEDBACK_CLICK,
    FILE_EVENT,
    STOP_PRESS,
    file_values,
    press_values,
    rating_values,
)
from tests.fuzz.strategies import dumps, hostile_text, json_values, not_an_object, spoiled, wrong_type
from tests.slack.conftest import StartBot

pytestmark = pytest.mark.fuzz

SECRET = "fuzz-signing-secret"
EVENT: dict[str, Any] = {
    "token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "Ev1",
    "event": {"type": "app_mention", "user": "U1", "text": "<@U0BOT> hi", "ts": "1.000001", "channel": "C1",
              "team": "T1"},
    "authorizations": [{"team_id": "T1", "user_id": "U0BOT", "is_bot": True}], "is_ext_shared_channel": False,
}
ACTION: dict[str, Any] = {
    "type": "block_actions", "user": {"id": "U1", "username": "u", "team_id": "T1"}, "team": {"id": "T1"},
    "trigger_id": "1.2", "container": {"type": "message", "channel_id": "C1"}, "channel": {"id": "C1"},
    "message": {"type": "message", "ts": "1.0"}, "response_url": "http://slack.invalid/r",
    "actions": [{"type": "button", "action_id": "switchboard_choice_0", "value": "/help"}],
}
VERIFY: dict[str, Any] = {"token": "t", "type": "url_verification", "challenge": "c"}
# The Stop button under an answer being written, a thumbs up under a finished one, a message with a file.
STOP = ACTION | {"actions": [{"type": "button", "action_id": STOP_ACTION, "value": "/stop", "block_id": "b"}]}
RATE = ACTION | {"actions": [{"type": "feedback_buttons", "action_id": FEEDBACK_ACTION, "block_id": "fb",
                              "value": '{"r":"up","a":"C1:1.000001","m":"fake-large"}'}]}
FILES = EVENT | {"event": {"type": "message", "subtype": "file_share", "user": "U1", "text": "", "ts": "1.000002",
                           "channel": "D1", "channel_type": "im", "team": "T1",
                           "files": [{"id": "F1", "name": "a.txt", "mimetype": "text/plain", "size": 3,
                                      "mode": "hosted", "url_private": "http://slack.invalid/files-pri/T1-F1/a.txt"}]}}

STRINGS = (str,)
# (payload, path to a field, the types Slack sends there); a value of another type is malformed.
FIELDS: list[tuple[dict[str, Any], tuple[str | int, ...], tuple[type, ...]]] = [
    (EVENT, ("type",), STRINGS), (EVENT, ("team_id",), STRINGS), (EVENT, ("event",), (dict,)),
    (EVENT, ("event", "type"), STRINGS), (EVENT, ("event", "user"), (str, dict)),
    (EVENT, ("event", "channel"), (str, dict)), (EVENT, ("event", "ts"), STRINGS),
    (EVENT, ("event", "text"), (str, dict)), (EVENT, ("event", "subtype"), STRINGS),
    (EVENT, ("event", "team"), (str, dict)), (EVENT, ("authorizations",), (list,)),
    (EVENT, ("authorizations", 0), (dict,)), (EVENT, ("is_ext_shared_channel",), (bool, str)),
    (ACTION, ("user",), (str, dict)), (ACTION, ("user", "id"), STRINGS), (ACTION, ("team",), (str, dict)),
    (ACTION, ("container",), (dict,)), (ACTION, ("channel",), (str, dict)), (ACTION, ("actions",), (list,)),
    (ACTION, ("message",), (dict,)), (ACTION, ("response_url",), STRINGS), (VERIFY, ("challenge",), STRINGS),
    (STOP, ("user",), (str, dict)), (STOP, ("channel",), (str, dict)), (STOP, ("container",), (dict,)),
    (STOP, ("actions",), (list,)), (STOP, ("actions", 0), (dict,)), (STOP, ("actions", 0, "action_id"), STRINGS),
    (RATE, ("user", "id"), STRINGS), (RATE, ("message",), (dict,)), (RATE, ("actions", 0), (dict,)),
    (RATE, ("actions", 0, "action_id"), STRINGS), (RATE, ("team",), (str, dict)),
    (FILES, ("event", "files"), (list,)), (FILES, ("event", "files", 0), (dict,)),
    (FILES, ("event", "files", 0, "name"), STRINGS), (FILES, ("event", "user"), (str, dict)),
]


def _nullable(accepted: tuple[type, ...]) -> bool:
    return accepted != (dict,) and accepted != (list,)  # Slack leaves strings and ids null at times


@st.composite
def _wrong_field(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A real payload with one field of a type Slack never sends there; and whether it goes form-encoded."""
    base, path, accepted = draw(st.sampled_from(FIELDS))
    data = copy.deepcopy(base)
    holder: Any = data
    for key in path[:-1]:
        holder = holder[key]
    wrong = wrong_type(accepted)
    holder[path[-1]] = draw(wrong.filter(lambda v: v is not None) if _nullable(accepted) else wrong)
    return data, base is not EVENT and base is not FILES and base is not VERIFY


def _encoded(case: tuple[dict[str, Any], bool]) -> tuple[bytes, str]:
    data, form = case
    if form:
        return urlencode({"payload": json.dumps(data)}).encode(), "application/x-www-form-urlencoded"
    return json.dumps(data).encode(), "application/json"


bodies = st.one_of(not_an_object.map(lambda b: (b, "application/json")), _wrong_field().map(_encoded),
                   json_values.map(lambda v: (urlencode({"payload": json.dumps(v)}).encode(),
                                              "application/x-www-form-urlencoded"))
                   .filter(lambda b: not b[0].startswith(b"payload=%7B")))


async def test_malformed_event_bodies_get_4xx_and_the_bot_keeps_answering(start_bot: StartBot) -> None:
    bot = await start_bot(slack_app_token="", slack_signing_secret=SECRET)
    run, memory, bridge = Run("slack events"), Memory(), Bridge()
    async with aiohttp.ClientSession() as session:
        async def post(body: bytes, content_type: str) -> int:
            headers = signed_headers(SECRET, body, content_type=content_type)
            async with session.post(bot.events_url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        @given(bodies)
        def prop(case: tuple[bytes, str]) -> None:
            if run.count in (0, 1000):
                memory.mark()
            status = timed(run, bridge, lambda: post(*case))
            assert 400 <= status < 500, f"{status} for {case[0][:160]!r}"

        with watching_logs() as logs:
            await in_thread(prop)
            memory.mark()
            memory.stop()
            event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> still there?")
            assert await post(json.dumps(bot.fake.callback(event)).encode(), "application/json") == 200
            await bot.thread_shows(GENERAL, event["ts"], "You said: still there?")
    run.growth, run.warnings = memory.growth(), logs.warnings
    print(run.line())
    assert logs.bad == []
    assert run.growth < 2_000_000


def _form(payload: Any) -> tuple[bytes, str]:
    return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"


def _local(url: str, root: str, where: str) -> str:
    """Whatever a URL said, as a path on the fake Slack: nothing leaves the machine."""
    if not url or url.startswith(root):
        return url
    return f"{root}/{where}/{quote(url, safe='', errors='surrogatepass')[:300]}"


def _kept_local(payload: Any, root: str) -> Any:
    """A payload's URLs (files' url_private, a press's response_url) kept on the fake Slack."""
    if not isinstance(payload, dict):
        return payload
    if isinstance(payload.get("response_url"), str):
        payload["response_url"] = _local(payload["response_url"], root, "response")
    files = payload.get("files")
    for item in files if isinstance(files, list) else ():
        for key in ("url_private", "url_private_download"):
            if isinstance(item, dict) and isinstance(item.get(key), str):
                item[key] = _local(item[key], root, "files-pri")
    return payload


PAUSE = 100  # taken-in bodies between two waits for the answers they started
# Mostly strings, where Slack sends strings: of any JSON shape, most bodies would be refused first.
taken = st.one_of(hostile_text, hostile_text, hostile_text, press_values)
fresh = st.integers(1, 10**9)  # a new ts or trigger_id for each body: dedupe would drop repeats at once


@st.composite
def _message(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    return draw(spoiled(base | {"ts": f"{draw(fresh)}.000001"}, st.one_of(taken, file_values), changes=5))


@st.composite
def _press(draw: st.DrawFn, base: dict[str, Any], rating: bool) -> Any:
    press = draw(spoiled(base | {"trigger_id": f"{draw(fresh)}.fuzz"}, taken, changes=2 if rating else 4))
    actions = press.get("actions")
    if rating and isinstance(actions, list) and actions and isinstance(actions[0], dict):
        actions[0]["value"] = draw(rating_values())
    return press


async def test_hostile_presses_and_files_are_taken_in_and_the_bot_keeps_answering(start_bot: StartBot) -> None:
    bot = await start_bot(slack_app_token="", slack_signing_secret=SECRET, user_messages_per_minute=0)
    fake = bot.fake
    root = fake.root_url
    served = fake.file_object("notes.txt", "text/plain", b"three words here")
    base = _kept_local(copy.deepcopy(FILE_EVENT | {"user": ALICE, "channel": ALICE_DM, "team": fake.team_id,
                                                   "files": [served, CLIP]}), root)
    stop, rate = (_kept_local(copy.deepcopy(press), root) for press in (STOP_PRESS, FEEDBACK_CLICK))
    real = [_form(stop), _form(rate), (dumps(EVENT | {"event": base}), "application/json")]
    bodies = st.one_of(
        _message(base).map(lambda e: (dumps(EVENT | {"event": _kept_local(e, root)}), "application/json")),
        _press(stop, rating=False).map(lambda p: _form(_kept_local(p, root))),
        _press(rate, rating=True).map(lambda p: _form(_kept_local(p, root))),
    )
    # What this test found (a 500, or an error with a traceback, before each fix):
    no_action, no_action_id = _form(stop | {"actions": []}), _form(stop | {"actions": [{}]})  # bolt: actions[0]
    odd_channel = dumps(EVENT | {"event": base | {"channel": "\ud800"}}), "application/json"  # the log's id
    # refused as empty, then marked handled under its ids as sent (no UTF-8 for Redis)
    odd_and_empty = dumps(EVENT | {"event": base | {"ts": "\ud800", "text": "", "files": []}}), "application/json"
    odd_value = json.dumps({"r": "up", "a": "\ud800", "m": "fake-large"})  # the rated answer's id, to Redis
    odd_rating = _form(rate | {"trigger_id": "2.fuzz", "actions": [rate["actions"][0] | {"value": odd_value}]})
    run, bridge, sent = Run("slack presses and files"), Bridge(), itertools.count(1)
    async with aiohttp.ClientSession() as session:
        async def post(body: bytes, content_type: str) -> int:
            headers = signed_headers(SECRET, body, content_type=content_type)
            async with session.post(bot.events_url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        @given(bodies)
        @example(no_action)
        @example(no_action_id)
        @example(odd_channel)
        @example(odd_and_empty)
        @example(odd_rating)
        def prop(case: tuple[bytes, str]) -> None:
            body, content_type = case
            status = timed(run, bridge, lambda: post(body, content_type))
            assert status < 500, f"{status} for {body[:300]!r}"
            if next(sent) % PAUSE == 0:
                bridge.run(bot.gateway.join(), timeout=300)  # answers keep pace: no backlog of thousands

        with watching_logs() as logs:
            for body, content_type in real:  # what Slack sends is taken in: button labels (text objects) too
                assert await post(body, content_type) == 200
            await in_thread(prop)
            await bot.gateway.join()
            event = fake.message_event(f"<@{fake.bot_user_id}> still there?")
            assert await post(json.dumps(fake.callback(event)).encode(), "application/json") == 200
            await bot.thread_shows(GENERAL, event["ts"], "You said: still there?")
    run.warnings = logs.warnings
    print(run.line())
    assert logs.bad == []

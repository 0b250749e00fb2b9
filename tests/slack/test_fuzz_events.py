"""The Slack events route (HTTP mode) against generated malformed bodies, signed with the real
secret (so the body, not the signature, is what gets refused): each a 4xx, no error or traceback
in the log, memory flat, and the next real event still answered."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.slack_events import GENERAL
from tests.fakes.slack_models import signed_headers
from tests.fuzz.driver import Bridge, Memory, Run, in_thread, timed, watching_logs
from tests.fuzz.strategies import json_values, not_an_object, wrong_type
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

STRINGS = (str,)
# (payload, path to a field, the types Slack sends there); a value of another type is malformed.
FIELDS: list[tuple[dict[str, Any], tuple[str | int, ...], tuple[type, ...]]] = [
    (EVENT, ("type",), STRINGS), (EVENT, ("team_id",), STRINGS), (EVENT, ("event",), (dict,)),
    (EVENT, ("event", "type"), STRINGS), (EVENT, ("event", "user"), (str, dict)),
    (EVENT, ("event", "channel"), (str, dict)), (EVENT, ("event", "ts"), STRINGS),
    (EVENT, ("event", "text"), STRINGS), (EVENT, ("event", "subtype"), STRINGS),
    (EVENT, ("event", "team"), (str, dict)), (EVENT, ("authorizations",), (list,)),
    (EVENT, ("authorizations", 0), (dict,)), (EVENT, ("is_ext_shared_channel",), (bool, str)),
    (ACTION, ("user",), (str, dict)), (ACTION, ("user", "id"), STRINGS), (ACTION, ("team",), (str, dict)),
    (ACTION, ("container",), (dict,)), (ACTION, ("channel",), (str, dict)), (ACTION, ("actions",), (list,)),
    (ACTION, ("message",), (dict,)), (ACTION, ("response_url",), STRINGS), (VERIFY, ("challenge",), STRINGS),
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
    return data, base is ACTION


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

"""Slack payloads as Slack sends them, for the fuzz tests to spoil (tests/fuzz/strategies.py
`spoiled`): a message with files, a press of the Stop button under an answer being written, a
click on its thumbs up once finished; and the hostile values their fields get."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from bots.slack.answer_blocks import FEEDBACK_ACTION, STOP_ACTION, feedback_block, stop_block
from tests.fuzz.strategies import hostile_text, json_values, spoiled

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

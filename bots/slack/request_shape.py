"""Is an HTTP request body something Slack sends? Checked before bolt sees it.

bolt parses a body and reads fields of it (team, user, channel, event...) assuming Slack's
shapes; a body that is not UTF-8, not JSON, nested past the parser's depth, or has one of those
fields of another type makes it fail with a 500 and a traceback. Such a body gets 400 and one
log line instead. Only the fields bolt or Switchboard read are checked; the rest passes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

# Fields read as plain strings (ids, timestamps).
_STRINGS = frozenset({
    "type", "subtype", "token", "team_id", "api_app_id", "enterprise_id", "event_id", "user_id",
    "channel_id", "trigger_id", "response_url", "challenge", "ts", "thread_ts", "bot_id",
    "channel_type", "user_team", "function_execution_id", "bot_access_token", "username", "name",
    "context_team_id", "context_enterprise_id", "app_installed_team_id", "channel_name", "command",
    "action_id", "block_id",
})
# A string id, or an object whose `id` is one (`team`, `user`...).
_ID_OR_OBJECT = frozenset({"team", "enterprise", "user", "channel"})
# Objects whose fields are checked by the same rules.
_OBJECTS = frozenset({"event", "view", "message", "previous_message", "container", "item",
                      "assistant_thread", "function_data"})
_LISTS_OF_OBJECTS = frozenset({"authorizations", "actions", "response_urls", "files"})
_FLAGS = frozenset({"is_ext_shared_channel", "is_enterprise_install"})
MAX_DEPTH = 3  # how far down the rules are applied: event -> message -> ...


def problem(raw: bytes, content_type: str) -> str | None:
    """Why this body cannot be a Slack request, or None when it can."""
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if not body:
        return None  # bolt answers an empty body itself (401 or 404)
    if content_type == "application/json" or body.startswith("{"):
        return _json_object(body)
    if "payload" in body:  # an interaction: form-encoded, its payload JSON
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        return None if payload is None else _json_object(payload)
    return None  # a slash command: form fields, all strings


def _json_object(text: str) -> str | None:
    try:
        data = json.loads(text)
    except RecursionError:
        return "nested too deeply"
    except ValueError:
        return "not JSON"
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if data.get("type") == "url_verification" and not isinstance(data.get("challenge"), str):
        return "a url_verification without a challenge"
    event = data.get("event")
    if data.get("type") == "event_callback" and not (isinstance(event, dict) and isinstance(event.get("type"), str)):
        return "an event_callback without an event"
    # bolt matches listeners on actions[0]["action_id"]: IndexError, KeyError or TypeError without it.
    if data.get("type") == "block_actions" and not _names_an_action(data.get("actions")):
        return "a block_actions without an action_id"
    return _fields(data, "", MAX_DEPTH)


def _names_an_action(actions: Any) -> bool:
    first = actions[0] if isinstance(actions, list) and actions else None
    return isinstance(first, dict) and isinstance(first.get("action_id"), str)


def _fields(data: Mapping[str, Any], where: str, depth: int) -> str | None:
    for key, value in data.items():
        path = where + key
        if value is None:
            if key in _OBJECTS or key in _LISTS_OF_OBJECTS:
                return f"{path} is null"
            continue  # a string or id Slack left empty
        if key in _STRINGS and not isinstance(value, str):
            return f"{path} is not a string"
        # A message's text; a pressed button's label is a text object (every button press was refused).
        if key == "text" and not isinstance(value, str | dict):
            return f"{path} is neither text nor a text object"
        if key in _FLAGS and not isinstance(value, bool | str):
            return f"{path} is not a flag"
        if key in _ID_OR_OBJECT and not isinstance(value, str):
            if not isinstance(value, dict):
                return f"{path} is neither an id nor an object"
            found = _fields(value, path + ".", 0)  # its own fields: `id`, `team_id`... as strings
            if found or not isinstance(value.get("id", ""), str):
                return found or f"{path}.id is not a string"
        if key in _OBJECTS:
            if not isinstance(value, dict):
                return f"{path} is not an object"
            if depth > 0 and (found := _fields(value, path + ".", depth - 1)):
                return found
        if key in _LISTS_OF_OBJECTS:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                return f"{path} is not a list of objects"
            for item in value:
                if depth > 0 and (found := _fields(item, path + "[].", depth - 1)):
                    return found
    return None

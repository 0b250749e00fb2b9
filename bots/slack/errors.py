"""Slack Web API failures, sorted into what an outlet does about each.

* 429 / "ratelimited" -> PlatformRetryAfter (the core pauses the channel's budget, merges text);
* a network error or 5xx -> a short PlatformRetryAfter, a few times, then it is raised;
* the bot may not post here -> CannotPost (one actionable line instead of a stack trace).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError

from core.outlet import PlatformRetryAfter
from core.reply.retry_after import NetworkFailures

log = logging.getLogger(__name__)

T = TypeVar("T")
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})
# startStream answers these where the workspace, token or channel cannot stream at all.
STREAMING_UNAVAILABLE = frozenset({
    "unknown_method", "not_allowed", "not_allowed_token_type", "feature_not_enabled", "missing_scope",
    "method_not_supported_for_channel_type", "channel_type_not_supported", "invalid_thread_ts",
    "restricted_action_non_threadable_channel", "restricted_action_thread_only_channel",
    "missing_recipient_team_id", "missing_recipient_user_id", "team_not_found", "user_not_found",
})
# Of those, the ones that hold for the whole workspace, so later replies need not try again.
WORKSPACE_WIDE = frozenset({"unknown_method", "not_allowed", "not_allowed_token_type",
                            "feature_not_enabled", "missing_scope"})


class CannotPost(Exception):
    """Slack refused the channel itself (the bot is not a member, or it is archived)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def retry_after(exc: SlackApiError, default: float = 1.0) -> float | None:
    """Seconds Slack asked to wait, or None when the error is not a rate limit."""
    response = exc.response
    if response is None or (response.status_code != 429 and error_code(exc) != "ratelimited"):
        return None
    raw = response.headers.get("Retry-After") if response.headers else None
    if isinstance(raw, list):  # slack_sdk's retry layer hands header values over as lists
        raw = raw[0] if raw else None
    try:
        return max(float(raw), 0.0) if raw is not None else default
    except ValueError:
        return default


class Guard:
    """Wraps one reply's Web API calls; counts network failures across them."""

    def __init__(self) -> None:
        self._failures = NetworkFailures("Slack")

    async def __call__(self, call: Awaitable[T]) -> T:
        try:
            result = await call
        except SlackApiError as exc:
            wait = retry_after(exc)
            if wait is not None:
                raise PlatformRetryAfter(wait) from None
            status = exc.response.status_code if exc.response is not None else 0
            if status >= 500:
                self._failures.failed(exc)
            if error_code(exc) in CANNOT_POST:
                raise CannotPost(error_code(exc)) from None
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._failures.failed(exc)
        self._failures.succeeded()
        return result

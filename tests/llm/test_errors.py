"""Error classes, user messages and operator lines; keys never leak."""

from __future__ import annotations

import pytest

from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import classify_message, window_from_error
from core.logs.redaction import redact

K = ModelErrorKind


@pytest.mark.parametrize(("text", "status", "kind"), [
    ("invalid_request_error model_not_found The model `x` does not exist", 404, K.NOT_FOUND),
    ("not_found_error model: claude-9", 404, K.NOT_FOUND),
    ("Not Found", 404, K.NO_ROUTE),
    ("Method Not Allowed", 405, K.NO_ROUTE),
    ("BadRequestError: Invalid model name passed in model=gpt-5x", 400, K.NOT_FOUND),
    ("exceed_context_size_error the request exceeds the available context size", 400, K.CONTEXT),
    ("prompt is too long: 210000 tokens > 200000 maximum", 400, K.CONTEXT),
    ("insufficient_quota You exceeded your current quota", 429, K.QUOTA),
    ("Rate limit reached", 429, K.RATE_LIMITED),
    ("Insufficient credits", 402, K.QUOTA),
    ("overloaded_error Overloaded", 529, K.UNAVAILABLE),
    ("conflict", 409, K.UNAVAILABLE),
    ("request timeout", 408, K.TIMEOUT),
    ("invalid_request_error temperature must be <= 2", 400, K.BAD_REQUEST),
    ("overloaded_error Overloaded", None, K.UNAVAILABLE),
    ("rate_limit_error slow down", None, K.RATE_LIMITED),
    ("authentication_error invalid x-api-key", None, K.AUTH),
])
def test_classification(text: str, status: int | None, kind: ModelErrorKind) -> None:
    assert classify_message(text, status) is kind


@pytest.mark.parametrize(("text", "window"), [
    ("This model's maximum context length is 32768 tokens. However, you requested 40000", 32768),
    ("prompt is too long: 210000 tokens > 200000 maximum", 200000),
    ('{"error": {"type": "exceed_context_size_error", "n_prompt_tokens": 9000, "n_ctx": 8192}}', 8192),
    ("context length exceeded", None),
])
def test_window_from_error(text: str, window: int | None) -> None:
    assert window_from_error(text) == window


def test_redaction() -> None:
    assert redact("key sk-proj-abcdefghijkl was bad") == "key sk-proj-*** was bad"
    assert redact("Authorization: Bearer abcdef123456") == "Authorization: Bearer ***"
    assert redact("mine is hunter2-secret", ["hunter2-secret"]) == "mine is ***"
    err = ModelError(K.AUTH, "Incorrect API key provided: sk-ant-api03-xyzxyzxyzxyz", status=401, target="primary")
    assert "xyzxyz" not in str(err) and "xyzxyz" not in err.log_line()


def test_messages_people_can_act_on() -> None:
    assert "Did you mean gpt-4o, gpt-4o-mini?" in ModelError(
        K.NOT_FOUND, "", model="gpt4o", suggestions=("gpt-4o", "gpt-4o-mini")).user_message()
    assert "rejected the key" in ModelError(K.AUTH, "").user_message()
    assert "/reset" in ModelError(K.CONTEXT, "").user_message()
    assert "Try again in about 12 s" in ModelError(K.RATE_LIMITED, "", retry_after=11.6).user_message()
    assert ModelError(K.ALL_DOWN, "", retry_after=40).user_message() == \
        "All model providers are down right now. Try again in about 40 s."
    line = ModelError(K.UNAVAILABLE, "HTTP 503", status=503, target="backup(http://h/v1)", model="m").log_line()
    assert line == "model call failed class=unavailable target=backup(http://h/v1) model=m status=503 detail=HTTP 503"

"""Each API mode over a real socket: bodies, headers, event grammar, edge cases."""

from __future__ import annotations

import json

import httpx
import pytest

from core.llm.anthropic import AnthropicClient
from core.llm.base import Finished, UsageReport
from core.llm.chat import ChatCompletionsClient
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.responses import ResponsesClient
from core.llm.wire import WireClient
from tests.fakes.model_api import FakeModelAPI, Step
from tests.llm.conftest import collect, request, text_of

MODES: dict[str, type[WireClient]] = {
    "chat": ChatCompletionsClient,
    "responses": ResponsesClient,
    "anthropic": AnthropicClient,
}


def sse(payload: object, name: str = "") -> bytes:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(payload)}\n\n".encode()


@pytest.mark.parametrize("mode", list(MODES))
async def test_each_mode_streams_text_usage_and_finish(mode: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(api_key="sk-right-key-123") as api:
        client = MODES[mode](api.base_url, "sk-right-key-123", http)
        events = await collect(client.stream(request()))
    assert text_of(events) == "Hello there, friend."
    assert isinstance(events[-1], Finished) and events[-1].reason == "stop"
    usage = [e for e in events if isinstance(e, UsageReport)]
    assert usage and usage[-1].output_tokens == 3


async def test_chat_body_and_bearer(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(api_key="k-123456") as api:
        await collect(ChatCompletionsClient(api.base_url, "k-123456", http).stream(request()))
    sent = api.streams()[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer k-123456"
    assert sent.body["stream"] is True and sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["messages"][0] == {"role": "system", "content": "Be brief."}


async def test_responses_body_uses_instructions_and_input(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        await collect(ResponsesClient(api.base_url, "", http).stream(request()))
    body = api.streams()[0].body
    assert api.streams()[0].path == "/v1/responses"
    assert body["instructions"] == "Be brief."
    assert body["input"] == [{"role": "user", "content": "hi there"}]


async def test_anthropic_headers_and_top_level_system(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(api_key="ant-key-123456") as api:
        await collect(AnthropicClient(api.base_url, "ant-key-123456", http).stream(request()))
    sent = api.streams()[0]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "ant-key-123456"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers
    assert sent.body["system"] == "Be brief." and sent.body["max_tokens"] == 64
    assert all(m["role"] != "system" for m in sent.body["messages"])


async def test_chat_skips_comments_joins_multiline_data_and_reads_late_usage(http: httpx.AsyncClient) -> None:
    events = [
        b": OPENROUTER PROCESSING\n\n",
        b'data: {"choices": [{"delta": {"content": "Hel"},\ndata:  "finish_reason": null}]}\n\n',
        b'data: {"choices": [{"delta": {"content": "lo"}, "finish_reason": "stop"}]}\r\n\r\n',
        b': keep-alive\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}\n\n',
        b"data: [DONE]\n\n",
    ]
    async with FakeModelAPI() as api:
        api.script(Step(events=events))
        out = await collect(ChatCompletionsClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == "Hello"
    assert UsageReport(5, 2) in out and out[-1] == Finished("stop")


async def test_chat_done_without_finish_reason_is_accepted(http: httpx.AsyncClient) -> None:
    events = [b'data: {"choices": [{"delta": {"content": "ok"}}]}\n\n', b"data: [DONE]\n\n"]
    async with FakeModelAPI() as api:
        api.script(Step(events=events))
        out = await collect(ChatCompletionsClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == "ok" and out[-1] == Finished("stop")


@pytest.mark.parametrize("mode", list(MODES))
async def test_stream_without_its_end_is_truncated(mode: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=2, then="truncate"))
        with pytest.raises(ModelError) as info:
            await collect(MODES[mode](api.base_url, "", http).stream(request()))
    assert info.value.kind is ModelErrorKind.TRUNCATED


@pytest.mark.parametrize("mode", list(MODES))
async def test_error_object_mid_stream_raises(mode: str, http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(after_text=1, then="error"))
        with pytest.raises(ModelError) as info:
            await collect(MODES[mode](api.base_url, "", http).stream(request()))
    assert info.value.kind is ModelErrorKind.UNAVAILABLE


async def test_anthropic_overloaded_after_http_200_without_event_names(http: httpx.AsyncClient) -> None:
    events = [sse({"type": "message_start", "message": {"usage": {"input_tokens": 3}}}),
              sse({"type": "ping"}),
              sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})]
    async with FakeModelAPI() as api:
        api.script(Step(events=events))
        with pytest.raises(ModelError) as info:
            await collect(AnthropicClient(api.base_url, "", http).stream(request()))
    assert info.value.kind is ModelErrorKind.UNAVAILABLE and "overloaded" in info.value.detail.lower()


async def test_responses_grammar(http: httpx.AsyncClient) -> None:
    events = [sse({"type": "response.created"}),
              sse({"type": "response.reasoning_summary_text.delta", "delta": "thinking"}),  # unknown: ignored
              sse({"type": "response.output_text.delta", "delta": "Par"}),
              sse({"type": "response.output_text.delta", "delta": "tial"}),
              sse({"type": "response.incomplete", "response": {
                  "incomplete_details": {"reason": "max_output_tokens"},
                  "usage": {"input_tokens": 4, "output_tokens": 2}}})]
    async with FakeModelAPI() as api:
        api.script(Step(events=events))
        out = await collect(ResponsesClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == "Partial" and UsageReport(4, 2) in out and out[-1] == Finished("length")


async def test_anthropic_max_tokens_is_a_length_finish(http: httpx.AsyncClient) -> None:
    # The answer ends with the "cut off at the token limit" line under it (core/reply/stream.py).
    events = [sse({"type": "message_start", "message": {"usage": {"input_tokens": 5}}}),
              sse({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Cut"}}),
              sse({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 1}}),
              sse({"type": "message_stop"})]
    async with FakeModelAPI() as api:
        api.script(Step(events=events))
        out = await collect(AnthropicClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == "Cut" and UsageReport(5, 1) in out and out[-1] == Finished("length")


@pytest.mark.parametrize("payload", [
    {"type": "response.failed", "response": {"error": {"code": "server_error", "message": "boom"}}},
    {"type": "error", "code": "rate_limit_exceeded", "message": "slow down"},
])
async def test_responses_failures_raise(payload: dict[str, object], http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(events=[sse({"type": "response.output_text.delta", "delta": "x"}), sse(payload)]))
        with pytest.raises(ModelError) as info:
            await collect(ResponsesClient(api.base_url, "", http).stream(request()))
    assert info.value.kind in (ModelErrorKind.UNAVAILABLE, ModelErrorKind.RATE_LIMITED)


async def test_chat_answer_in_one_json_piece(http: httpx.AsyncClient) -> None:
    whole = {"choices": [{"message": {"content": "All at once"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 3, "completion_tokens": 3}}
    async with FakeModelAPI() as api:
        api.script(Step(json=whole))
        out = await collect(ChatCompletionsClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == "All at once" and out[-1] == Finished("stop")


async def test_line_breaks_inside_json_strings_survive(http: httpx.AsyncClient) -> None:
    text = "a\u2028b\u0085c"
    payload = json.dumps({"choices": [{"delta": {"content": text}, "finish_reason": "stop"}]}, ensure_ascii=False)
    async with FakeModelAPI() as api:
        api.script(Step(events=[f"data: {payload}\n\n".encode(), b"data: [DONE]\n\n"]))
        out = await collect(ChatCompletionsClient(api.base_url, "", http).stream(request()))
    assert text_of(out) == text


async def test_http_errors_are_classified_and_keys_redacted(http: httpx.AsyncClient) -> None:
    key = "sk-secret-abcdef123456"
    async with FakeModelAPI() as api:
        api.script(
            Step(status=401, json={"error": {"message": f"Incorrect API key provided: {key}"}}),
            Step(status=429, json={"error": {"message": "slow"}}, headers={"retry-after-ms": "1500"}),
            Step(status=429, json={"error": {"code": "insufficient_quota", "message": "quota"}}),
            Step(status=400, json={"error": {"code": "context_length_exceeded",
                                             "message": "This model's maximum context length is 8192 tokens."}}),
            Step(status=529, json={"type": "error", "error": {"type": "overloaded_error"}}),
        )
        client = ChatCompletionsClient(api.base_url, key, http)
        errors = []
        for _ in range(5):
            with pytest.raises(ModelError) as info:
                await collect(client.stream(request()))
            errors.append(info.value)
    assert [e.kind for e in errors] == [ModelErrorKind.AUTH, ModelErrorKind.RATE_LIMITED, ModelErrorKind.QUOTA,
                                        ModelErrorKind.CONTEXT, ModelErrorKind.UNAVAILABLE]
    assert errors[1].retry_after == 1.5
    assert errors[3].context_window == 8192
    for err in errors:
        assert key not in str(err) and key not in err.log_line() and key not in err.user_message()


async def test_unknown_model_and_unknown_path_differ(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI(modes=("chat",)) as api:
        with pytest.raises(ModelError) as missing_model:
            await collect(ChatCompletionsClient(api.base_url, "", http).stream(request(model="nope")))
        with pytest.raises(ModelError) as missing_path:
            await collect(ResponsesClient(api.base_url, "", http).stream(request()))
    assert missing_model.value.kind is ModelErrorKind.NOT_FOUND
    assert missing_path.value.kind is ModelErrorKind.NO_ROUTE


async def test_connection_refused_is_unavailable(http: httpx.AsyncClient) -> None:
    async with FakeModelAPI() as api:
        url = api.base_url
    with pytest.raises(ModelError) as info:
        await collect(ChatCompletionsClient(url, "", http).stream(request()))
    assert info.value.kind is ModelErrorKind.UNAVAILABLE


async def test_chat_switches_to_max_completion_tokens_when_told(http: httpx.AsyncClient) -> None:
    refusal = {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                    "Use 'max_completion_tokens' instead.", "type": "invalid_request_error"}}
    async with FakeModelAPI() as api:
        api.script(Step(status=400, json=refusal))
        client = ChatCompletionsClient(api.base_url, "", http)
        assert text_of(await collect(client.stream(request()))) == "Hello there, friend."
        await collect(client.stream(request()))
    first, second, third = (r.body for r in api.streams())
    assert "max_tokens" in first and "max_completion_tokens" not in first
    assert second["max_completion_tokens"] == 64 and "max_tokens" not in second
    assert "max_completion_tokens" in third

"""/readyz and /metrics against generated queries, Accept headers and bodies: a GET is always
answered (readiness 200 or 503 with its JSON, metrics in the format asked for or the text one),
anything else a 405, never a 5xx, nothing in the log."""

from __future__ import annotations

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from tests.fuzz.driver import Bridge, Memory, Run, fuzz_measured, timed
from tests.fuzz.strategies import hostile_text, not_an_object
from tests.telegram.conftest import StartBot

pytestmark = pytest.mark.fuzz

# Header values aiohttp can send: no surrogates, no line breaks or other control characters.
header_text = hostile_text.filter(lambda t: all(32 <= ord(c) < 0xD800 or 0xE000 <= ord(c) < 0x110000 for c in t)
                                  and all(ord(c) != 127 for c in t))
accepts = st.one_of(st.just(""), st.sampled_from(["text/plain", "application/openmetrics-text; version=1.0.0",
                                                  "application/openmetrics-text", "*/*", "gzip"]), header_text)
queries = st.dictionaries(st.sampled_from(["name[]", "window", "x", "format"]),
                          hostile_text.filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)), max_size=3)
requests = st.one_of(
    st.tuples(st.sampled_from(["/readyz", "/metrics"]), st.just("GET"), queries, accepts, st.just(b"")),
    st.tuples(st.sampled_from(["/readyz", "/metrics"]), st.sampled_from(["POST", "PUT", "DELETE"]), st.just({}),
              st.just(""), not_an_object))


async def test_readyz_and_metrics_answer_any_request_without_a_5xx(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg")
    base = f"http://127.0.0.1:{bot.web.port}"
    run, memory, bridge = Run("/readyz, /metrics"), Memory(), Bridge()
    async with aiohttp.ClientSession() as session:
        async def ask(path: str, method: str, query: dict[str, str], accept: str, body: bytes) -> int:
            headers = {"Accept": accept} if accept else {}
            async with session.request(method, base + path, params=query or None, headers=headers,
                                       data=body or None) as response:
                text = await response.text(errors="replace")
                if method == "GET" and path == "/readyz":
                    assert response.status in (200, 503) and '"ready"' in text, (response.status, text[:200])
                elif method == "GET" and response.content_type == "text/plain":
                    list(text_string_to_metric_families(text))  # what Prometheus scrapes must parse
                return response.status

        @given(requests)
        def prop(request: tuple[str, str, dict[str, str], str, bytes]) -> None:
            if run.count in (0, 1000):
                memory.mark()
            status = timed(run, bridge, lambda: ask(*request))
            assert status < 500, (request, status)
            if request[1] != "GET":
                assert status == 405, (request, status)

        await fuzz_measured(prop, run, memory)

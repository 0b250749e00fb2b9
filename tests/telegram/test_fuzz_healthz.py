"""/healthz against generated queries and bodies: a bad `window` is a 400, a body posted there a
405, never a 5xx, nothing in the log."""

from __future__ import annotations

import math

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.driver import Bridge, Memory, Run, fuzz_measured, timed
from tests.fuzz.strategies import hostile_text, not_an_object
from tests.telegram.conftest import StartBot

pytestmark = pytest.mark.fuzz

def _good_window(raw: str) -> bool:
    try:
        value = float(raw)
    except ValueError:
        return False
    return math.isfinite(value) and 0 < value < 10**9


windows = st.one_of(hostile_text.filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)),
                    st.floats().map(str), st.integers().map(str))
requests = st.one_of(windows.map(lambda w: ("GET", w, b"")), not_an_object.map(lambda b: ("POST", "", b)))


async def test_healthz_answers_malformed_requests_with_4xx(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg")
    url = f"http://127.0.0.1:{bot.web.port}/healthz"
    run, memory, bridge = Run("/healthz"), Memory(), Bridge()
    async with aiohttp.ClientSession() as session:
        async def ask(method: str, window: str, body: bytes) -> int:
            async with session.request(method, url, params={"window": window} if window else None,
                                       data=body or None) as response:
                await response.read()
                return response.status

        @given(requests)
        def prop(request: tuple[str, str, bytes]) -> None:
            if run.count in (0, 1000):
                memory.mark()
            method, window, _ = request
            status = timed(run, bridge, lambda: ask(*request))
            if method == "POST":
                assert status == 405
            else:
                assert status == (200 if not window or _good_window(window) else 400), (window, status)

        await fuzz_measured(prop, run, memory)

"""The Telegram webhook against generated malformed bodies: each one a 4xx, no error or traceback
in the log, memory flat, and the next real message still answered."""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import pytest
from aiogram.types import Update
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bots.telegram.webhook import SECRET_HEADER
from tests.fuzz.driver import Bridge, Memory, Run, in_thread, timed, watching_logs
from tests.fuzz.strategies import dumps, hostile_text, json_values, not_an_object
from tests.telegram.conftest import PRIVATE_CHAT, StartBot

pytestmark = pytest.mark.fuzz

SECRET = "fuzz-secret"
BASE: dict[str, Any] = {
    "update_id": 1,
    "message": {"message_id": 1, "date": 1700000000, "text": "hi",
                "chat": {"id": PRIVATE_CHAT, "type": "private", "first_name": "Fuzz"},
                "from": {"id": PRIVATE_CHAT, "is_bot": False, "first_name": "Fuzz"}},
}
PATHS: list[tuple[str | int, ...]] = [
    ("update_id",), ("message",), ("message", "message_id"), ("message", "date"), ("message", "chat"),
    ("message", "chat", "id"), ("message", "chat", "type"), ("message", "from"), ("message", "from", "id"),
    ("message", "from", "is_bot"), ("message", "from", "first_name"), ("message", "text"),
    ("message", "entities"), ("message", "reply_to_message"), ("edited_message",), ("callback_query",),
    ("message", "photo"), ("message", "message_thread_id"),
]


def _refused_by_aiogram(data: Any) -> bool:
    try:
        Update.model_validate(data)
    except ValidationError:
        return True
    return False


@st.composite
def _wrong_field(draw: st.DrawFn) -> dict[str, Any]:
    """The base update with one field of a wrong type, or missing."""
    data = copy.deepcopy(BASE)
    path = draw(st.sampled_from(PATHS))
    holder: Any = data
    for key in path[:-1]:
        holder = holder[key]
    if draw(st.booleans()) and path[-1] in holder:
        del holder[path[-1]]
    else:
        holder[path[-1]] = draw(st.one_of(json_values, hostile_text, st.just(["x" * 1_000_000])))
    return data


malformed_updates = _wrong_field().filter(_refused_by_aiogram).map(dumps)
bodies = st.one_of(not_an_object, malformed_updates)


async def test_malformed_webhook_bodies_get_4xx_and_the_bot_keeps_answering(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg", telegram_webhook_secret=SECRET,
                          telegram_drafts=False)
    url = f"http://127.0.0.1:{bot.web.port}/tg"
    run, memory, bridge = Run("telegram webhook"), Memory(), Bridge()
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async def post(body: bytes) -> int:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        @given(bodies)
        def prop(body: bytes) -> None:
            if run.count in (0, 1000):  # warm-up, then the baseline
                memory.mark()
            status = timed(run, bridge, lambda: post(body))
            assert 400 <= status < 500, f"{status} for {body[:120]!r}"

        with watching_logs() as logs:
            await in_thread(prop)
            memory.mark()
            memory.stop()
            update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "still there?", push=False)
            async with session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 200
            await bot.reply_is(PRIVATE_CHAT, "You said: still there?")
    run.growth, run.warnings = memory.growth(), logs.warnings
    print(run.line())
    assert logs.bad == []
    assert run.growth < 2_000_000  # flat: a leak of 200 bytes a body would show 1.6 MB here

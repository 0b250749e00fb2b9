"""The Telegram webhook against generated malformed bodies (messages, media, button presses and
Stops under drafts with a field of a wrong type, or missing): each one a 4xx, no error or
traceback in the log, memory flat, and the next real message still answered. Then against
updates aiogram reads, with hostile values (Stops under drafts, button presses, photos, voice
notes, files, albums), which are taken in and acted on: never a 5xx, no error or traceback, and
the bot still answers."""

from __future__ import annotations

import asyncio
import copy
import itertools
from typing import Any

import aiohttp
import pytest
from aiogram.types import Update
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bots.telegram.keyboards import STOP_COMMAND, callback_data
from bots.telegram.webhook import SECRET_HEADER
from tests.fuzz.driver import Bridge, Memory, Run, in_thread, timed, watching_logs
from tests.fuzz.strategies import dumps, hostile_text, json_values, not_an_object
from tests.fuzz.telegram_payloads import album, chat, message, or_wrong, user
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
# A photo in an album, a voice note, a document: a caption instead of the text.
_FILE = {"file_id": "f", "file_unique_id": "u", "file_size": 3}
_CAPTIONED = {key: value for key, value in BASE["message"].items() if key != "text"} | {"caption": "hi"}
MEDIA: dict[str, Any] = {"update_id": 1, "message": _CAPTIONED | {"media_group_id": "9",
                                                                  "photo": [_FILE | {"width": 9, "height": 9}]}}
VOICE: dict[str, Any] = {"update_id": 1, "message": _CAPTIONED | {"voice": _FILE | {"duration": 2,
                                                                                   "mime_type": "audio/ogg"}}}
DOCUMENT: dict[str, Any] = {"update_id": 1, "message": _CAPTIONED | {"document": _FILE | {"file_name": "a.pdf",
                                                                                         "mime_type": "x/y"}}}
# Telegram's Stop under a draft, and a press of the Stop button under a message being written.
STOPPED: dict[str, Any] = {"update_id": 1, "stopped_message_generation": {"chat": BASE["message"]["chat"],
                                                                        "draft_id": 7, "message_thread_id": 3}}
PRESS: dict[str, Any] = {"update_id": 1, "callback_query": {
    "id": "1", "chat_instance": "c", "from": BASE["message"]["from"], "data": "/stop",
    "message": {"message_id": 2, "date": 1700000000, "chat": BASE["message"]["chat"], "text": "an answer",
                "from": {"id": 4242, "is_bot": True, "first_name": "Switchboard"}}}}
SPOILABLE: list[tuple[dict[str, Any], list[tuple[str | int, ...]]]] = [
    (BASE, PATHS),
    (MEDIA, [("message", "photo"), ("message", "photo", 0), ("message", "photo", 0, "file_id"),
             ("message", "photo", 0, "width"), ("message", "photo", 0, "file_size"), ("message", "media_group_id"),
             ("message", "caption"), ("message", "voice"), ("message", "document")]),
    (VOICE, [("message", "voice", "duration"), ("message", "voice", "mime_type"),
             ("message", "voice", "file_unique_id")]),
    (DOCUMENT, [("message", "document", "file_name"), ("message", "document", "mime_type"),
                ("message", "document", "file_size"), ("message", "document", "file_id")]),
    (STOPPED, [("stopped_message_generation",), ("stopped_message_generation", "chat"),
               ("stopped_message_generation", "chat", "id"), ("stopped_message_generation", "chat", "type"),
               ("stopped_message_generation", "draft_id"), ("stopped_message_generation", "message_thread_id")]),
    (PRESS, [("callback_query", "id"), ("callback_query", "from"), ("callback_query", "data"),
             ("callback_query", "message"), ("callback_query", "message", "chat"),
             ("callback_query", "message", "date"), ("callback_query", "chat_instance")]),
]


def _refused_by_aiogram(data: Any) -> bool:
    try:
        Update.model_validate(data)
    except ValidationError:
        return True
    return False


@st.composite
def _wrong_field(draw: st.DrawFn) -> dict[str, Any]:
    """A real update with one field of a wrong type, or missing."""
    base, paths = draw(st.sampled_from(SPOILABLE))
    data = copy.deepcopy(base)
    path = draw(st.sampled_from(paths))
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


PAUSE = 100  # updates taken in between two waits for the answers they started


@st.composite
def _stopped(draw: st.DrawFn) -> list[dict[str, Any]]:
    stopped = {"chat": draw(chat()), "draft_id": draw(or_wrong(st.integers(-(2**63), 2**70)))}
    if draw(st.booleans()):
        stopped["message_thread_id"] = draw(or_wrong(st.integers(-(2**31), 2**31)))
    return [{"stopped_message_generation": stopped}]


@st.composite
def _press(draw: st.DrawFn) -> list[dict[str, Any]]:
    shown = draw(message(depth=0))
    if draw(st.booleans()):  # date 0: a message the bot can no longer see
        shown = {"message_id": shown["message_id"], "date": 0, "chat": shown["chat"]}
    data = draw(st.one_of(st.sampled_from([STOP_COMMAND, "/help", callback_data("/model " + "x" * 80), "#"]),
                          hostile_text))
    return [{"callback_query": {"id": str(draw(st.integers(0, 2**63))), "chat_instance": draw(hostile_text),
                                "from": draw(user()), "message": shown, "data": data}}]


# Each case is the updates of one body, or of an album (sent together, as Telegram does).
updates = st.one_of(_stopped(), _press(), message().map(lambda m: [{"message": m}]),
                    album().map(lambda items: [{"message": m} for m in items]))


async def test_hostile_updates_are_taken_in_and_the_bot_keeps_answering(start_bot: StartBot) -> None:
    bot = await start_bot(telegram_webhook_url="https://bot.example.com/tg", telegram_webhook_secret=SECRET,
                          telegram_drafts=False, user_messages_per_minute=0, adapter={"album_wait": 0.05})
    url = f"http://127.0.0.1:{bot.web.port}/tg"
    run, bridge, numbers, sent = Run("telegram updates taken in"), Bridge(), itertools.count(1), itertools.count(1)
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async def post(body: bytes) -> int:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        async def post_all(case: list[dict[str, Any]]) -> int:
            # a fresh update_id each (the dedupe would drop a repeat at once)
            bodies = [dumps({"update_id": next(numbers)} | update) for update in case]
            return max(await asyncio.gather(*(post(body) for body in bodies)))

        @given(updates)
        def prop(case: list[dict[str, Any]]) -> None:
            status = timed(run, bridge, lambda: post_all(case))
            assert status < 500, f"{status} for {dumps(case)[:300]!r}"
            if next(sent) % PAUSE == 0:
                bridge.run(bot.gateway.join(), timeout=300)  # answers keep pace: no backlog of thousands

        with watching_logs() as logs:
            await in_thread(prop)
            await bot.gateway.join()
            update = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "still there?", push=False)
            async with session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 200
            await bot.gateway.join()
            assert bot.fake.final_texts(PRIVATE_CHAT)[-1] == "You said: still there?"
    run.warnings = logs.warnings
    print(run.line())
    assert logs.bad == []

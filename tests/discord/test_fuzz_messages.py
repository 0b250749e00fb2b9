"""Discord messages -> Inbound, through the real discord.py client and the fake gateway: hostile
content, names, mentions and attachments (files, voice messages) from people the bot does not
know (ACCESS_POLICY=pairing, so each is parsed all the way to the access step and answered at
most a few times), no error or traceback in the log, and the admin's message between batches is
still answered. Then clicks on the Stop button, choice buttons and the model menu (component
interactions with hostile custom_ids and values) from them and from the admin, the same way."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bots.discord.menus import CHOICE_ID, RUN_PREFIX, STOP_ID
from tests.discord.conftest import StartBot
from tests.fakes import discord_models as models
from tests.fakes.discord_api import FakeDiscord
from tests.fuzz.driver import Bridge, in_thread, watching_logs
from tests.fuzz.strategies import hostile_text, json_values

pytestmark = pytest.mark.fuzz

BATCH = 200  # fuzzed messages between two of the admin's


FILE_TYPES = st.sampled_from(["text/plain", "audio/ogg", "image/png", "application/pdf", "video/mp4", "",
                              "text/plain; charset=utf-8"]) | hostile_text
files = st.lists(st.tuples(hostile_text.filter(bool), FILE_TYPES, st.binary(max_size=16)), max_size=2)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, object]:
    return {"text": draw(hostile_text), "author": draw(st.integers(0, 4)), "where": draw(st.integers(0, 2)),
            "mention": draw(st.booleans()), "role_mention": draw(st.integers(0, 5)) == 0,
            "files": draw(files), "voice": draw(st.none() | st.binary(max_size=16))}


async def test_hostile_messages_parse_and_the_bot_keeps_answering(start_bot: StartBot, fake: FakeDiscord) -> None:
    bot = await start_bot(access_policy="pairing", user_messages_per_minute=0, admins=f"discord:{fake.alice['id']}")
    dc = bot.fake
    names = ["\ud83d evil", "<@&1> @everyone", "a" * 200, "\u202eadmin", "\x00null"]
    authors = [models.user(dc.ids.next(), name) for name in names]
    thread = dc.user_thread("fuzz thread")
    pings, bridge = itertools.count(1), Bridge()

    async def send(case: dict[str, object]) -> None:
        author = authors[int(case["author"])]  # type: ignore[call-overload]
        where = int(case["where"])  # type: ignore[call-overload]
        dc.user_message(str(case["text"]), author=author, dm=where == 0, channel_id=thread if where == 2 else None,
                        mention=bool(case["mention"]), role_mention=bool(case["role_mention"]),
                        files=case["files"], voice=case["voice"])  # type: ignore[arg-type]

    async def admin_is_answered() -> None:
        n = next(pings)
        dc.user_message(f"ping {n}", dm=True)
        await dc.wait_for(lambda: f"You said: ping {n}" in dc.texts(dc.dms[dc.alice["id"]]), 10,
                          what=f"the answer to ping {n}")

    sent = itertools.count(1)

    @given(messages())
    def prop(case: dict[str, object]) -> None:
        bridge.run(send(case))
        if next(sent) % BATCH == 0:
            bridge.run(admin_is_answered())

    with watching_logs() as logs:
        await in_thread(prop)
        await admin_is_answered()
        await bot.gateway.join()
    print(f"discord messages: {next(sent) - 1} fuzzed, {next(pings) - 1} admin messages answered, "
          f"{logs.warnings} warning lines")
    assert logs.bad == []


BUTTON, SELECT = 2, 3  # component types
custom_ids = st.one_of(st.sampled_from([STOP_ID, CHOICE_ID, RUN_PREFIX, "switchboard:", ""]),
                       hostile_text.map(lambda t: RUN_PREFIX + t), hostile_text)
# What a select sends is a list of strings; now and then anything else.
chosen = st.integers(0, 9).flatmap(lambda n: json_values if n == 0 else st.lists(
    st.one_of(st.sampled_from(["/model fake-large", "/help", "/stop", ""]), hostile_text), max_size=3))


@st.composite
def clicks(draw: st.DrawFn) -> dict[str, object]:
    data: dict[str, object] = {"custom_id": draw(custom_ids), "component_type": draw(st.sampled_from([BUTTON, SELECT]))}
    if data["component_type"] == SELECT or draw(st.integers(0, 9)) == 0:
        data["values"] = draw(chosen)
    return {"data": data, "author": draw(st.integers(0, 5)), "where": draw(st.integers(0, 2))}


async def test_hostile_clicks_are_taken_in_and_the_bot_keeps_answering(start_bot: StartBot, fake: FakeDiscord) -> None:
    bot = await start_bot(access_policy="pairing", user_messages_per_minute=0, admins=f"discord:{fake.alice['id']}")
    dc = bot.fake
    authors = [models.user(dc.ids.next(), name) for name in ("\ud83d evil", "<@&1> @everyone", "a" * 200,
                                                             "\u202eadmin", "\x00null")] + [dc.alice]
    thread = dc.user_thread("fuzz thread")
    pings, sent, bridge = itertools.count(1), itertools.count(1), Bridge()

    async def admin_is_answered() -> int:
        n = next(pings)
        dc.user_message(f"ping {n}", dm=True)
        await dc.wait_for(lambda: f"You said: ping {n}" in dc.texts(dc.dms[dc.alice["id"]]), 10,
                          what=f"the answer to ping {n}")
        return dc.bot_messages(dc.dms[dc.alice["id"]])[-1].id  # a message of the bot's, to click under

    under = await admin_is_answered()

    async def click(case: dict[str, object]) -> None:
        author = authors[int(case["author"])]  # type: ignore[call-overload]
        where = int(case["where"])  # type: ignore[call-overload]
        # A component is always under a message (here the bot's latest answer to the admin).
        dc.component(case["data"], author=author, dm=where == 0,  # type: ignore[arg-type]
                     channel_id=thread if where == 2 else None, message_id=under)

    @given(clicks())
    @example({"data": {"custom_id": CHOICE_ID, "component_type": SELECT, "values": {"": None}}, "author": 0,
              "where": 1})  # the menu's values read at [0] whatever they were: KeyError, a traceback
    def prop(case: dict[str, object]) -> None:
        nonlocal under
        bridge.run(click(case))
        if next(sent) % BATCH == 0:
            under = bridge.run(admin_is_answered())

    with watching_logs() as logs:
        await in_thread(prop)
        await admin_is_answered()
        await bot.gateway.join()
    print(f"discord clicks: {next(sent) - 1} fuzzed, {next(pings) - 1} admin messages answered, "
          f"{logs.warnings} warning lines")
    assert logs.bad == []

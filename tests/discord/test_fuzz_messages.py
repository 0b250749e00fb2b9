"""Discord messages -> Inbound, through the real discord.py client and the fake gateway: hostile
content, names and mentions from people the bot does not know (ACCESS_POLICY=pairing, so each
is parsed all the way to the access step and answered at most a few times), no error or
traceback in the log, and the admin's message between batches is still answered."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.discord.conftest import StartBot
from tests.fakes import discord_models as models
from tests.fakes.discord_api import FakeDiscord
from tests.fuzz.driver import Bridge, in_thread, watching_logs
from tests.fuzz.strategies import hostile_text

pytestmark = pytest.mark.fuzz

BATCH = 200  # fuzzed messages between two of the admin's


@st.composite
def messages(draw: st.DrawFn) -> dict[str, object]:
    return {"text": draw(hostile_text), "author": draw(st.integers(0, 4)), "where": draw(st.integers(0, 2)),
            "mention": draw(st.booleans()), "role_mention": draw(st.integers(0, 5)) == 0}


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
                        mention=bool(case["mention"]), role_mention=bool(case["role_mention"]))

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

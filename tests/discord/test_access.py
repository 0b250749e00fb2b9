"""DISCORD_ALLOWED_USERS / _ROLES / _CHANNELS."""

from __future__ import annotations

from bots.access import AccessList
from core.pipeline.access import GROUP_HINT, REFUSAL
from core.types import SenderFacts
from tests.discord.conftest import StartBot
from tests.fakes.discord_api import FakeDiscord
from tests.helpers import inbound


def test_empty_lists_let_everyone_in() -> None:
    assert AccessList.parse().allows(inbound("hi", user="1", chat="9"))


def test_a_listed_user_role_or_channel_is_enough() -> None:
    rules = AccessList.parse(users="1, 2", roles="50", chats="900")
    assert rules.allows(inbound("hi", user="2", chat="7"))
    assert rules.allows(inbound("hi", user="3", chat="7", sender=SenderFacts(roles=("49", "50"))))
    assert rules.allows(inbound("hi", user="3", chat="900"))
    assert rules.allows(inbound("hi", user="3", chat="901", sender=SenderFacts(parent_chat="900")))  # a thread of it
    assert not rules.allows(inbound("hi", user="3", chat="7", sender=SenderFacts(roles=("51",))))


async def test_only_the_allowed_role_is_answered(start_bot: StartBot, fake: FakeDiscord) -> None:
    bot = await start_bot(discord_allowed_roles=str(fake.helper_role_id), discord_auto_thread=True)
    fake.user_message("let me in", mention=True)
    await bot.channel_says(fake.channel_id, REFUSAL)
    assert not fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    question = fake.user_message("I am a helper", author=fake.bob, mention=True)
    await bot.channel_says(question.id, "You said: I am a helper")
    assert [r.body["messages"][-1]["content"] for r in bot.model.chat_requests()] == ["I am a helper"]


async def test_an_allowed_channel_admits_everyone_there_only(start_bot: StartBot, fake: FakeDiscord) -> None:
    bot = await start_bot(discord_allowed_channels=str(fake.other_channel_id))
    fake.user_message("in general", mention=True)
    fake.user_message("in random", mention=True, channel_id=fake.other_channel_id)
    await bot.channel_says(fake.other_channel_id, "You said: in random")
    await bot.channel_says(fake.channel_id, REFUSAL)


async def test_under_pairing_a_stranger_gets_no_thread_and_one_line_and_a_dm_code(
        start_bot: StartBot, fake: FakeDiscord) -> None:
    bot = await start_bot(access_policy="pairing", discord_auto_thread=True)
    fake.user_message("hello bot", mention=True)
    fake.user_message("hello again", mention=True)
    await bot.channel_says(fake.channel_id, GROUP_HINT)  # once, however often they ask
    assert not fake.calls_to("POST /channels/{channel_id}/messages/{message_id}/threads")
    fake.user_message("let me in", dm=True)
    dm = fake.dms[fake.alice["id"]]
    await bot.fake.wait_for(lambda: fake.texts(dm), what="the pairing code")
    assert "Your pairing code is " in fake.texts(dm)[0]
    assert bot.model.chat_requests() == []

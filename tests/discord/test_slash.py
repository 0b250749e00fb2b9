"""Slash commands: deferred at once, answered through the interaction token, /model's menu."""

from __future__ import annotations

import asyncio

from tests.discord.conftest import StartBot
from tests.discord.test_messages import ANSWER, long_answer
from tests.fakes.discord_models import EPHEMERAL, LOADING


async def test_ask_is_deferred_before_the_model_answers_and_ends_with_the_whole_answer(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 0
    record = fake.slash("ask", {"prompt": "count to ten"})
    await fake.wait_for(lambda: record.callback_type == 5, what="the deferral")
    assert not bot.model.chat_requests()  # deferred first, then handed to the core
    assert record.callback_at is not None and record.callback_at - record.created < 1.0
    original = fake.original(record)
    assert original is not None and original.flags & LOADING and not original.flags & EPHEMERAL
    bot.model.hold.set()
    await bot.response_is(record, ANSWER)
    assert not original.flags & LOADING
    assert bot.model.chat_requests()[0].body["messages"][-1]["content"] == "count to ten"


async def test_a_long_ask_continues_in_follow_ups(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    answer = bot.model.reply = long_answer()
    record = fake.slash("ask", {"prompt": "write a lot"})
    await fake.wait_for(lambda: len(record.follow_ups) == 2, what="two follow-ups")
    await bot.gateway.join()
    pages = fake.response_texts(record)
    assert len(pages) == 3 and all(len(p) <= 2000 for p in pages)
    assert "\n\n".join(pages) == answer


async def test_model_with_a_name_switches_the_next_answers_model(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    switch = fake.slash("model", {"name": "fake-other"})
    await bot.response_is(switch, "Model switched to fake-other.")
    assert switch.callback_data == {"flags": EPHEMERAL}  # only the caller sees it
    ask = fake.slash("ask", {"prompt": "hi"})
    await bot.response_is(ask, "You said: hi")
    assert bot.model.chat_requests()[-1].body["model"] == "fake-other"


async def test_model_without_a_name_offers_a_menu_and_a_choice_switches(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    listing = fake.slash("model")
    menu = await fake.wait_for(lambda: fake.original_where(listing, lambda m: m.components), what="the model menu")
    assert menu is not None
    assert "Current model: fake-large" in menu.content
    options = [o["value"] for o in menu.components[0]["components"][0]["options"]]
    assert options == ["/model fake-other"]  # not the current one, not one under the 64K minimum
    click = fake.select(menu.id, "/model fake-other")
    await fake.wait_for(lambda: menu.content == "Model switched to fake-other.", what="the menu to show the result")
    await bot.gateway.join()
    assert click.callback_type == 6 and menu.components == []  # the result replaced the menu
    fake.user_message("which model?", mention=True)
    await bot.channel_says(fake.channel_id, menu.content, "You said: which model?")
    assert bot.model.chat_requests()[-1].body["model"] == "fake-other"


async def test_model_autocomplete_suggests_usable_models(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    everything = fake.autocomplete("model", "name", "")
    narrowed = fake.autocomplete("model", "name", "OTH")
    await fake.wait_for(lambda: everything.callback_type == 8 and narrowed.callback_type == 8,
                        what="two suggestion lists")
    assert everything.callback_data == {"choices": [{"name": "fake-large", "value": "fake-large"},
                                                    {"name": "fake-other", "value": "fake-other"}]}
    assert narrowed.callback_data == {"choices": [{"name": "fake-other", "value": "fake-other"}]}


async def test_help_and_usage_answer_privately(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    ask = fake.slash("ask", {"prompt": "hi"})
    await bot.response_is(ask, "You said: hi")
    usage = fake.slash("usage")
    await fake.wait_for(lambda: fake.response_texts(usage) and "All time: 1 request," in fake.response_texts(usage)[0],
                        what="the usage line")
    helped = fake.slash("help")
    await fake.wait_for(lambda: fake.response_texts(helped) and "/ask" in fake.response_texts(helped)[0],
                        what="the help text")
    await bot.gateway.join()
    assert usage.callback_data == helped.callback_data == {"flags": EPHEMERAL}


async def test_an_interaction_too_late_to_defer_is_answered_in_the_channel(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.ack_deadline = 0.0  # the 3 s already passed when the bot got to it
    record = fake.slash("ask", {"prompt": "late question"})
    await bot.channel_says(fake.channel_id, "You said: late question")
    assert record.callback_type is None


async def test_a_dm_slash_command_is_answered(start_bot: StartBot) -> None:
    bot = await start_bot()
    record = bot.fake.slash("ask", {"prompt": "private"}, dm=True)
    await bot.response_is(record, "You said: private")


async def test_model_typed_after_a_mention_offers_the_same_menu_in_the_channel(start_bot: StartBot) -> None:
    bot = await start_bot()
    fake = bot.fake
    fake.user_message("/model", mention=True)
    menu = await fake.wait_for(lambda: next((m for m in fake.bot_messages(fake.channel_id) if m.components), None),
                               what="a menu in the channel")
    assert menu is not None and menu.reference is not None  # a reply to the command
    click = fake.select(menu.id, "/model fake-other", author=fake.alice)
    await fake.wait_for(lambda: menu.content == "Model switched to fake-other.", what="the result in place")
    await bot.gateway.join()
    assert click.callback_type == 6 and menu.components == [] and len(fake.bot_messages(fake.channel_id)) == 1

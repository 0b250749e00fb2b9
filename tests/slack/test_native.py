"""Slack's native pieces: feedback buttons under every finished answer (a click is counted with
the model that answered), a Stop action while an answer streams, and the assistant pane's
suggested prompts and thread title."""

from __future__ import annotations

import asyncio
import json

from bots.slack.answer_blocks import STOP_ACTION
from core.gateway import FEEDBACK_THANKS
from core.reply.stream import STOPPED_MARK
from core.store.feedback import FeedbackCount
from tests.fakes.slack_events import ALICE_DM, BOB, GENERAL
from tests.slack.conftest import StartBot

ANSWER = "one two three four five six seven eight nine ten"


def _values(element: dict[str, object]) -> list[dict[str, str]]:
    return [json.loads(element[side]["value"]) for side in ("positive_button", "negative_button")]  # type: ignore[index]


async def test_a_streamed_answer_ends_with_feedback_buttons_and_a_click_is_counted(start_bot: StartBot) -> None:
    bot = await start_bot()
    event = await bot.fake.mention("hello there")
    await bot.thread_shows(GENERAL, event["ts"], "You said: hello there")
    (message,) = bot.fake.in_thread(GENERAL, event["ts"])
    element = message.feedback()
    assert message.streamed and element is not None
    assert _values(element) == [{"r": "up", "a": f"{GENERAL}:{event['ts']}", "m": "fake-large"},
                                {"r": "down", "a": f"{GENERAL}:{event['ts']}", "m": "fake-large"}]
    await bot.fake.rate(message, positive=True)
    await bot.fake.rate(message, positive=False, user=BOB)
    await bot.fake.wait_for(lambda: len(bot.fake.responses) == 2, what="two quiet thanks")
    assert await bot.gateway.core.feedback.counts() == [FeedbackCount("slack", "fake-large", up=1, down=1)]
    assert all(body["text"] == FEEDBACK_THANKS and body["response_type"] == "ephemeral"
               for _, body in bot.fake.responses)


async def test_every_page_of_a_posted_answer_carries_feedback_once_complete(start_bot: StartBot) -> None:
    bot = await start_bot(slack_streaming="off", adapter={"page_chars": 40})
    bot.model.reply = ANSWER + " " + ANSWER
    event = await bot.fake.mention("count twice")
    await bot.fake.wait_for(lambda: len(bot.fake.in_thread(GENERAL, event["ts"])) == 3, what="three pages")
    await bot.gateway.join()
    pages = bot.fake.in_thread(GENERAL, event["ts"])
    assert all(m.feedback() is not None and not m.buttons() for m in pages)
    await bot.fake.rate(pages[0], positive=True)
    await bot.fake.rate(pages[-1], positive=True)  # the same answer: one vote per person
    await bot.fake.wait_for(lambda: len(bot.fake.responses) == 2, what="two quiet thanks")
    assert await bot.gateway.core.feedback.counts() == [FeedbackCount("slack", "fake-large", up=1, down=0)]


async def test_the_stop_button_under_a_posted_answer_ends_it(start_bot: StartBot) -> None:
    bot = await start_bot(slack_streaming="off")
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    event = await bot.fake.mention("count to ten")
    (message,) = await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="the first words")
    assert [b["action_id"] for b in message.buttons()] == [STOP_ACTION] and message.feedback() is None
    await bot.fake.press_button(message, STOP_ACTION)
    await bot.model.wait_disconnect()
    await bot.thread_shows(GENERAL, event["ts"], "one two three " + STOPPED_MARK)
    assert not message.buttons() and message.feedback() is not None  # the Stop went, feedback came
    assert not bot.fake.responses  # no "Stopping…" line


async def test_slacks_own_stop_on_a_stream_ends_the_answer_and_its_model_call(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply, bot.model.token_interval = ANSWER, 0.05
    event = await bot.fake.mention("count to ten")
    (message,) = await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="the stream")
    bot.fake.stop_streaming(message)
    await bot.model.wait_disconnect()
    await bot.gateway.join()
    assert message.visible.endswith(STOPPED_MARK) and not message.visible.startswith(ANSWER)
    assert message.feedback() is not None


async def test_opening_the_assistant_pane_offers_the_suggested_prompts(start_bot: StartBot) -> None:
    bot = await start_bot(slack_suggested_prompts="What is new? | Explain a monad|")
    event = bot.fake.thread_started_event()
    await bot.fake.send_event(event)
    where = (ALICE_DM, event["assistant_thread"]["thread_ts"])
    prompts = await bot.fake.wait_for(lambda: bot.fake.suggested_prompts.get(where), what="the prompts")
    assert prompts == [{"title": "What is new?", "message": "What is new?"},
                       {"title": "Explain a monad", "message": "Explain a monad"}]


async def test_the_default_prompts_are_offered(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.fake.send_event(bot.fake.thread_started_event())
    (prompts,) = await bot.fake.wait_for(lambda: list(bot.fake.suggested_prompts.values()), what="the prompts")
    assert 1 <= len(prompts) <= 4


async def test_no_prompts_when_turned_off(start_bot: StartBot) -> None:
    bot = await start_bot(slack_suggested_prompts="")
    acked = await bot.fake.send_event(bot.fake.thread_started_event())
    await bot.fake.wait_for(lambda: acked in bot.fake.acks, what="the event acknowledged")
    assert not bot.fake.calls_to("assistant.threads.setSuggestedPrompts")


async def test_the_assistant_thread_is_titled_from_its_first_question(start_bot: StartBot) -> None:
    bot = await start_bot()
    started = bot.fake.thread_started_event()
    thread = started["assistant_thread"]["thread_ts"]
    await bot.fake.dm("How do tides work?\nAnd why twice a day?", thread_ts=thread)
    await bot.fake.wait_for(lambda: len(bot.fake.in_thread(ALICE_DM, thread)) == 1, what="the answer")
    await bot.fake.dm("and the moon?", thread_ts=thread)
    await bot.thread_shows(ALICE_DM, thread, "You said: How do tides work?\nAnd why twice a day?",
                           "You said: and the moon?")
    assert bot.fake.titles == {(ALICE_DM, thread): "How do tides work?"}
    assert [c.params["title"] for c in bot.fake.calls_to("assistant.threads.setTitle")] == ["How do tides work?"]

"""Reply delivery: 429s lose nothing, long answers split with code fences kept, restarts rewrite."""

from __future__ import annotations

import asyncio
import re

from redis.asyncio import Redis

from bots.slack.adapter import EDIT_INTERVAL
from bots.slack.inbound import from_event
from core.store.pacing import ChatPacer
from tests.fakes.flood import SLACK_CHANNEL, FloodRule
from tests.fakes.slack_events import GENERAL
from tests.slack.conftest import StartBot

ANSWER = "one two three four five six seven eight nine ten"


def _long_code_answer() -> str:
    lines = "\n".join(f"    value_{i:03d} = compute({i}) + offset  # step {i}" for i in range(160))
    return f"Here is the script:\n\n```python\ndef main():\n{lines}\n```\n\nThat is all."


def _fences_balanced(page: str) -> bool:
    return len(re.findall(r"^```", page, flags=re.MULTILINE)) % 2 == 0


async def test_429_on_update_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.streaming = False
    bot.fake.fail_next("chat.update", times=2, retry_after=1)  # one absorbed by slack_sdk, one by the outlet
    bot.model.reply, bot.model.hold, bot.model.hold_after = ANSWER, asyncio.Event(), 3
    event = await bot.fake.mention("count to ten")
    await bot.fake.wait_for(lambda: bot.fake.in_thread(GENERAL, event["ts"]), what="the first post")
    bot.model.hold.set()
    await bot.thread_shows(GENERAL, event["ts"], ANSWER, timeout=10)
    refused = [c for c in bot.fake.calls if c.method == "chat.update" and c.error == "ratelimited"]
    assert len(refused) == 2


async def test_429_on_append_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"rate_limit_retries": 0})
    bot.fake.fail_next("chat.appendStream", retry_after=1)
    bot.model.reply, bot.model.token_interval = ANSWER, 0.05  # slow enough for appends between words
    event = await bot.fake.mention("count to ten")
    await bot.thread_shows(GENERAL, event["ts"], ANSWER, timeout=10)
    assert next(c.error for c in bot.fake.calls if c.method == "chat.appendStream") == "ratelimited"


async def test_long_answer_splits_into_messages_with_fences_kept(start_bot: StartBot) -> None:
    bot = await start_bot(slack_streaming="off")
    answer = bot.model.reply = _long_code_answer()
    assert len(answer) > 2 * 3900
    event = await bot.fake.mention("write a script")
    await bot.fake.wait_for(lambda: len(bot.fake.in_thread(GENERAL, event["ts"])) >= 3, what="three pages")
    await bot.gateway.join()
    pages = bot.fake.texts(GENERAL, event["ts"])
    assert len(pages) == 3 and all(len(p) <= 3900 and _fences_balanced(p) for p in pages)
    assert pages[1].startswith("```python") and pages[-1].endswith("That is all.")
    assert [line for p in pages for line in p.splitlines() if "value_" in line] == \
        [line for line in answer.splitlines() if "value_" in line]


async def test_long_streamed_answer_continues_in_new_streams(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"stream_page_chars": 3000})
    answer = bot.model.reply = _long_code_answer()
    event = await bot.fake.mention("write a script")
    await bot.fake.wait_for(lambda: len(bot.fake.in_thread(GENERAL, event["ts"])) >= 3, what="three streams")
    await bot.gateway.join()
    messages = bot.fake.in_thread(GENERAL, event["ts"])
    assert all(m.streamed and not m.streaming for m in messages)
    assert all(len(m.visible) <= 3000 and _fences_balanced(m.visible) for m in messages)
    assert [line for m in messages for line in m.visible.splitlines() if "value_" in line] == \
        [line for line in answer.splitlines() if "value_" in line]


async def test_restarted_answer_rewrites_the_stream(start_bot: StartBot, redis: Redis, prefix: str) -> None:
    bot = await start_bot()
    event = bot.fake.message_event(f"<@{bot.fake.bot_user_id}> hi")
    inbound = from_event(bot.fake.callback(event), event, bot.fake.bot_user_id)
    assert inbound is not None
    outlet = bot.adapter.outlet_for(inbound, ChatPacer(redis, f"{prefix}pace", 0.01))
    await outlet.typing()
    await outlet.show("The first provider said")
    await outlet.show("_(switched provider)_\n\nA fresh")  # does not extend what was streamed
    await outlet.finish("_(switched provider)_\n\nA fresh answer.")
    (message,) = bot.fake.in_thread(GENERAL, event["ts"])
    assert message.visible == "_(switched provider)_\n\nA fresh answer." and not message.streaming
    assert [c.method for c in bot.fake.calls if c.method.startswith(("chat.", "assistant."))] == [
        "assistant.threads.setStatus", "chat.startStream", "chat.stopStream", "chat.update", "chat.update"]
    status = bot.fake.calls_to("assistant.threads.setStatus")[0].params
    assert status == {"channel_id": GENERAL, "thread_ts": event["ts"], "status": "is thinking…"}


async def test_user_outside_the_allowlist_is_refused(start_bot: StartBot) -> None:
    bot = await start_bot(slack_allowed_users="U0BOB")
    event = await bot.fake.mention("let me in")
    await bot.thread_shows(GENERAL, event["ts"], "Sorry, this bot is not open to you. Ask its operator for access.")
    assert not bot.model.chat_requests()


async def test_refused_markdown_block_falls_back_to_mrkdwn(start_bot: StartBot) -> None:
    bot = await start_bot(slack_streaming="off")
    bot.fake.markdown_blocks = False
    bot.model.reply = "Use **bold** & `code`."
    event = await bot.fake.mention("format something")
    await bot.thread_shows(GENERAL, event["ts"], "Use *bold* &amp; `code`.")
    assert [c.error for c in bot.fake.calls if c.method.startswith("chat.")] == ["invalid_blocks", ""]


def _words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


async def test_steady_streaming_keeps_to_slacks_channel_limit(start_bot: StartBot) -> None:
    # Slack's per-channel rule and the adapter's budget (1.25 s, burst 2), both 5x faster.
    bot = await start_bot(adapter={"edit_interval": EDIT_INTERVAL * 0.2})
    bot.fake.flood_limit(SLACK_CHANNEL.scaled(0.2))
    answer = bot.model.reply = _words(60)
    bot.model.token_interval = 0.03  # ~1.8 s of streaming
    event = await bot.fake.mention("stream a while")
    await bot.thread_shows(GENERAL, event["ts"], answer, timeout=15)
    assert bot.fake.violations == [] and len(bot.fake.calls_to("chat.appendStream")) >= 3


async def test_a_budget_faster_than_slack_loses_no_text(start_bot: StartBot) -> None:
    bot = await start_bot(adapter={"edit_interval": 0.02, "burst": 2})
    bot.fake.streaming = False
    bot.fake.flood_limit(FloodRule(interval=0.4, burst=1))  # 429 + Retry-After: 1
    answer = bot.model.reply = _words(30)
    bot.model.token_interval = 0.03
    event = await bot.fake.mention("stream a while")
    await bot.thread_shows(GENERAL, event["ts"], answer, timeout=20)
    assert bot.fake.violations

"""ReplyStream: deltas coalesce into paced updates; the final text is the whole answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from core.llm.base import Finished, ModelEvent, Restarted, TextDelta, UsageReport
from core.llm.errors import ModelError, ModelErrorKind
from core.reply.stream import ReplyStream
from core.store.pacing import ChatPacer, UnlimitedPacer
from core.types import Limits
from tests.fakes.memory_platform import MemoryPlatform
from tests.helpers import inbound


async def _events(*items: ModelEvent | Exception, gate: asyncio.Event | None = None) -> AsyncIterator[ModelEvent]:
    for item in items:
        if gate is not None and isinstance(item, Restarted):
            await gate.wait()
        if isinstance(item, Exception):
            raise item
        yield item
        await asyncio.sleep(0)  # let the consumer run, as a network read would


async def test_many_deltas_coalesce_into_few_paced_edits(redis: Redis, prefix: str) -> None:
    platform = MemoryPlatform(limits=Limits(max_chars=4096, min_edit_interval=0.05))
    pacer = ChatPacer(redis, f"{prefix}pace:c", 0.05)
    outlet = platform.outlet_for(inbound("x"), pacer)
    words = [f"w{i} " for i in range(2000)]

    async def slow_model() -> AsyncIterator[ModelEvent]:
        for w in words:
            yield TextDelta(w)
            await asyncio.sleep(0.0002)  # stands in for network time between tokens
        yield UsageReport(10, 2000)
        yield Finished("stop")

    outcome = await ReplyStream(outlet).run(slow_model())
    full = "".join(words)
    assert outcome.text == full and outcome.output_tokens == 2000
    assert " ".join(platform.final_texts("chat-alice")).split() == full.split()
    updates = [c for c in platform.calls if c[0] in ("send", "edit")]
    assert len(updates) < len(words) / 20, "deltas were not coalesced"


async def test_restart_replaces_the_half_answer() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    events = _events(TextDelta("half an ans"), Restarted("provider A failed; answered by B"),
                     TextDelta("a whole answer"), Finished("stop"))
    outcome = await ReplyStream(outlet).run(events)
    assert outcome.text == "a whole answer"
    assert platform.final_texts("chat-alice") == ["↻ provider A failed; answered by B…\n\na whole answer"]


async def test_a_failure_after_a_restart_ends_the_same_message_with_the_note() -> None:
    """The model died mid-answer and no fallback was left: one message, the half-answer and the note."""
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    err = ModelError(ModelErrorKind.UNAVAILABLE, "stream broke")
    events = _events(TextDelta("half an ans"), Restarted("the answer broke off; starting over"), err)
    outcome = await ReplyStream(outlet).run(events)
    assert outcome.error is err and platform.notices == []
    [text] = platform.final_texts("chat-alice")
    assert text.startswith("half an ans\n\n⚠️ ") and "unavailable" in text


async def test_a_failure_in_a_continued_reply_ends_the_message_already_in_the_chat() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    err = ModelError(ModelErrorKind.UNAVAILABLE, "down")
    await ReplyStream(outlet, on_screen=True).run(_events(err))
    assert platform.notices == []  # not a second message beside the one an earlier attempt left


async def test_error_before_any_text_is_one_notice() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    err = ModelError(ModelErrorKind.RATE_LIMITED, "429", retry_after=12)
    outcome = await ReplyStream(outlet).run(_events(err))
    assert outcome.error is err
    assert platform.messages == {}
    assert platform.notices[0].text == "The model endpoint is rate limiting us. Try again in about 12 s."


async def test_error_after_text_keeps_the_text_and_says_what_happened() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    err = ModelError(ModelErrorKind.UNAVAILABLE, "stream broke")
    await ReplyStream(outlet).run(_events(TextDelta("partial answer"), err))
    [text] = platform.final_texts("chat-alice")
    assert text.startswith("partial answer") and "unavailable" in text


async def test_typing_is_shown_while_waiting_for_the_first_token() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    first_token = asyncio.Event()

    async def slow_start() -> AsyncIterator[ModelEvent]:
        await first_token.wait()
        yield TextDelta("hi")
        yield Finished("stop")

    task = asyncio.create_task(ReplyStream(outlet, typing_every=0.01, typing_after=0.01).run(slow_start()))
    await platform.wait_for(lambda: platform.typing_count >= 2)
    first_token.set()
    await task
    assert platform.final_texts("chat-alice") == ["hi"]


async def test_no_typing_when_the_text_comes_first() -> None:
    """"typing" costs a platform call: not worth one when the answer starts at once."""
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    events = _events(TextDelta("at "), TextDelta("once"), Finished("stop"))
    await ReplyStream(outlet, typing_after=30.0).run(events)
    assert platform.final_texts("chat-alice") == ["at once"] and platform.typing_count == 0


class _WatchedPacer(ChatPacer):
    """Tells the test when the reply starts waiting for its second preview's token."""

    def __init__(self, redis: Redis, key: str, interval: float, burst: int) -> None:
        super().__init__(redis, key, interval, burst)
        self.second_preview = asyncio.Event()
        self._acquired = 0

    async def acquire(self, *until: asyncio.Future[Any]) -> None:
        self._acquired += 1
        if self._acquired == 2:
            self.second_preview.set()
        await super().acquire(*until)


async def test_a_stop_while_a_preview_waits_for_its_token_stops_at_once(redis: Redis, prefix: str) -> None:
    platform = MemoryPlatform(limits=Limits(max_chars=4096, min_edit_interval=60.0, burst=2))
    pacer = _WatchedPacer(redis, f"{prefix}pace:stop", 60.0, 2)  # the second preview would wait a minute
    outlet = platform.outlet_for(inbound("x"), pacer)
    stop = asyncio.Event()

    async def endless() -> AsyncIterator[ModelEvent]:
        while True:
            yield TextDelta("word ")
            await asyncio.sleep(0.01)  # stands in for network time between tokens

    run = asyncio.create_task(ReplyStream(outlet, stop_signal=stop, pacer=pacer).run(endless()))
    await asyncio.wait_for(pacer.second_preview.wait(), 5.0)  # the first preview is up
    stop.set()
    outcome = await asyncio.wait_for(run, 5.0)
    assert outcome.stopped and platform.final_texts("chat-alice")[0].endswith("_(stopped)_")

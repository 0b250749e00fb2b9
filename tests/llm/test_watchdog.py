"""The one-per-stream deadline watchdog: it times out reads of the model stream, nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.llm.base import Finished, ModelEvent, TextDelta, UsageReport
from core.llm.deadlines import with_deadlines
from core.llm.errors import ModelError, ModelErrorKind

GUARD = 5.0  # upper bound for waiting on an event that must happen; never reached when correct


async def _stream(*events: ModelEvent, then_hang: asyncio.Event | None = None) -> AsyncIterator[ModelEvent]:
    for event in events:
        yield event
        await asyncio.sleep(0)  # as a network read would
    if then_hang is not None:
        await then_hang.wait()


async def test_a_slow_consumer_is_never_timed_out() -> None:
    """The consumer's own awaits between chunks (a paced platform call) are not the model's delay."""
    events = [TextDelta("a"), TextDelta("b"), UsageReport(1, 2), Finished("stop")]
    seen: list[ModelEvent] = []
    async for event in with_deadlines(_stream(*events), first_token=0.1, idle=0.1):
        seen.append(event)
        await asyncio.sleep(0.3)  # three idle limits: the watchdog fires meanwhile and must let it be
    assert seen == events


async def test_a_stalled_read_after_a_slow_consumer_still_times_out() -> None:
    hang = asyncio.Event()
    seen: list[ModelEvent] = []
    with pytest.raises(ModelError) as info:
        async for event in with_deadlines(_stream(TextDelta("a"), TextDelta("b"), then_hang=hang),
                                          first_token=GUARD, idle=0.1):
            seen.append(event)
            await asyncio.sleep(0.3)
    assert seen == [TextDelta("a"), TextDelta("b")]
    assert info.value.kind is ModelErrorKind.TIMEOUT and "new chunk" in info.value.detail


async def test_keep_alive_events_do_not_extend_the_first_token_deadline() -> None:
    async def pings() -> AsyncIterator[ModelEvent]:
        while True:
            await asyncio.sleep(0.02)
            yield UsageReport(0, 0)  # anything but text

    with pytest.raises(ModelError) as info:
        async for _ in with_deadlines(pings(), first_token=0.2, idle=GUARD):
            pass
    assert info.value.kind is ModelErrorKind.TIMEOUT and "first token" in info.value.detail


async def test_cancelling_the_consumer_is_a_cancel_not_a_timeout() -> None:
    hang = asyncio.Event()
    reading = asyncio.Event()

    async def consume() -> None:
        async for _ in with_deadlines(_stream(TextDelta("a"), then_hang=hang), first_token=GUARD, idle=GUARD):
            reading.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reading.wait(), GUARD)
    await asyncio.sleep(0)  # now inside the hanging read
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_timeout_leaves_the_task_uncancelled() -> None:
    """The watchdog's cancel is taken back, so the consumer can go on (tell the user, fail over)."""
    hang = asyncio.Event()
    with pytest.raises(ModelError):
        async for _ in with_deadlines(_stream(then_hang=hang), first_token=0.1, idle=GUARD):
            pass
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0)  # and a later await is not hit by a stray cancel

"""PagedOutlet over recording send/edit: paging, no-op edits skipped, 429s lose no text."""

from __future__ import annotations

from redis.asyncio import Redis

from core.store.pacing import ChatPacer, UnlimitedPacer
from core.types import Limits
from tests.fakes.memory_platform import MemoryPlatform
from tests.helpers import inbound


async def test_a_6000_char_answer_arrives_as_two_messages() -> None:
    platform = MemoryPlatform(limits=Limits(max_chars=4096, min_edit_interval=0))
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    text = ("lorem ipsum dolor sit amet " * 40 + "\n\n") * 6
    text = text[:6000]
    for end in range(500, 6001, 500):
        await outlet.show(text[:end])
    await outlet.finish(text)
    pages = platform.final_texts("chat-alice")
    assert len(pages) == 2
    assert all(len(p) <= 4096 for p in pages)
    assert "".join(pages).split() == text.split()
    assert all(m.final for m in platform.messages.values())


async def test_identical_text_is_not_edited_again() -> None:
    platform = MemoryPlatform()
    outlet = platform.outlet_for(inbound("x"), UnlimitedPacer())
    await outlet.show("same")
    await outlet.show("same")
    await outlet.finish("same")
    ops = [op for op, _, _ in platform.calls]
    assert ops == ["send", "edit"]  # the final edit applies formatting; the repeat show is skipped


async def test_retry_after_pauses_the_chat_and_loses_no_text(redis: Redis, prefix: str) -> None:
    platform = MemoryPlatform()
    pacer = ChatPacer(redis, f"{prefix}pace:test", 0.0)
    outlet = platform.outlet_for(inbound("x"), pacer)
    platform.retry_next(0.05, times=2)
    await outlet.show("part one")  # 429: skipped, merged into the next show
    await outlet.finish("part one and part two")  # 429 once more, then delivered
    assert platform.final_texts("chat-alice") == ["part one and part two"]
    assert await redis.exists(f"{prefix}pace:test")  # the pause was recorded for every replica

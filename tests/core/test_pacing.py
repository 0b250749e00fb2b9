"""The per-chat budget is shared: two outlets to one chat never update faster than it allows."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from core.store.pacing import TAKE_SCRIPT, ChatPacer, Token

GUARD = 5.0  # upper bound for waiting on something that must happen at once; never reached when correct


async def test_slots_are_spaced_by_the_interval_across_pacers(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:chat1"
    a, b = ChatPacer(redis, key, 0.05), ChatPacer(redis, key, 0.05)  # e.g. two replicas
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def take(p: ChatPacer) -> None:
        await p.wait_turn()
        stamps.append(loop.time())

    start = loop.time()
    await asyncio.gather(*(take(p) for p in (a, b, a, b, a, b)))
    # Slots are reserved 50 ms apart in Redis: the n-th call goes no earlier than n slots after the
    # start (Redis counts whole ms: 1 ms of rounding). Only a lower bound: a loaded machine wakes a
    # call late, and the next one, on time, may then follow it closer than 50 ms.
    late = [(n, round(at - start, 3)) for n, at in enumerate(sorted(stamps)) if at - start < n * 0.05 - 0.001]
    assert late == [], late


async def test_pause_pushes_every_pacer_back(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:chat2"
    pacer = ChatPacer(redis, key, 0.0)
    await pacer.pause(0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await ChatPacer(redis, key, 0.0).wait_turn()
    assert loop.time() - start >= 0.15


async def _early_pacer(redis: Redis, prefix: str, chat: str, interval: float) -> tuple[ChatPacer, str]:
    """A pacer holding a token taken with the context read, as answer() builds it."""
    from core.store.context import ContextLoader
    from core.store.keys import Keys
    from core.types import ConversationKey, Limits

    keys = Keys.for_client(prefix, redis)
    conv = ConversationKey("memory", chat, "", "u")
    ctx = await ContextLoader(redis, keys, history_ttl=60).load(conv, "memory", "u", chat,
                                                                   Limits(max_chars=100, min_edit_interval=interval))
    key = keys.pace("memory", chat)
    return ChatPacer(redis, key, interval, first_slot=ctx.first_slot), key


async def test_an_early_token_used_late_still_spaces_the_replys_next_update(redis: Redis, prefix: str) -> None:
    pacer, _ = await _early_pacer(redis, prefix, "chat3", 0.3)
    await asyncio.sleep(0.15)  # the model takes a while to its first token: the subject of the test
    loop = asyncio.get_running_loop()
    await pacer.wait_turn()
    first = loop.time()
    await pacer.wait_turn()  # the reply's next update carries the correction
    # Had the early take stood, the next update could go 0.15 s after the late first one.
    assert loop.time() - first >= 0.25


async def test_a_reply_that_ends_on_a_late_early_token_settles_the_budget(redis: Redis, prefix: str) -> None:
    pacer, key = await _early_pacer(redis, prefix, "chat4", 0.3)
    await asyncio.sleep(0.15)
    loop = asyncio.get_running_loop()
    await pacer.wait_turn()  # the one and only call of this reply (a one-shot answer)
    first = loop.time()
    await pacer.settle()
    await ChatPacer(redis, key, 0.3).wait_turn()  # the next reply to this chat
    assert loop.time() - first >= 0.25


async def _take(redis: Redis, key: str, interval_ms: int, burst: int) -> Token:
    return Token.from_script(await redis.eval(TAKE_SCRIPT, 1, key, interval_ms, burst))


async def test_the_bucket_gives_its_burst_at_once_then_one_token_per_interval(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:bucket"
    waits = [(await _take(redis, key, 10_000, 3)).wait for _ in range(5)]
    # A rested chat: three calls may go now; the fourth and fifth wait one and two intervals.
    assert all(w <= 0 for w in waits[:3]), waits
    assert 9 < waits[3] <= 10 and 19 < waits[4] <= 20, waits
    assert 10_000 < await redis.pttl(key) <= 51_000  # gone once the bucket would be full again


async def test_a_pause_empties_the_bucket_for_everyone(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:paused"
    await ChatPacer(redis, key, 10.0, 3).pause(30.0)
    first, second = await _take(redis, key, 10_000, 3), await _take(redis, key, 10_000, 3)
    assert 29 < first.wait <= 30  # nobody before retry_after...
    assert 39 < second.wait <= 40  # ...and no burst after it


async def test_previews_keep_a_token_and_the_complete_answer_takes_it_at_once(redis: Redis, prefix: str) -> None:
    pacer = ChatPacer(redis, f"{prefix}pace:final", 60.0, 2)  # a minute per token, burst 2
    pacer.streaming = True
    await asyncio.wait_for(pacer.wait_turn(), GUARD)  # the first preview: the bucket had 2
    answer_done = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(pacer.acquire(answer_done))  # a second preview would wait a minute
    answer_done.set_result(None)  # the model finished meanwhile
    await asyncio.wait_for(waiting, GUARD)
    pacer.streaming = False
    await asyncio.wait_for(pacer.wait_turn(), GUARD)  # the final text: the token previews left
    assert (await _take(redis, f"{prefix}pace:final", 60_000, 2)).wait > 50  # and now the bucket is empty

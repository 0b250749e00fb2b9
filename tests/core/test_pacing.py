"""The per-chat budget is shared: two outlets to one chat never update faster than it allows."""

from __future__ import annotations

import asyncio
import itertools

from redis.asyncio import Redis

from core.store.pacing import ChatPacer


async def test_slots_are_spaced_by_the_interval_across_pacers(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:chat1"
    a, b = ChatPacer(redis, key, 0.05), ChatPacer(redis, key, 0.05)  # e.g. two replicas
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def take(p: ChatPacer) -> None:
        await p.wait_turn()
        stamps.append(loop.time())

    await asyncio.gather(*(take(p) for p in (a, b, a, b, a, b)))
    stamps.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    # Slots are reserved 50 ms apart in Redis; allow scheduler jitter of a few ms.
    assert all(g >= 0.04 for g in gaps), gaps


async def test_pause_pushes_every_pacer_back(redis: Redis, prefix: str) -> None:
    key = f"{prefix}pace:chat2"
    pacer = ChatPacer(redis, key, 0.0)
    await pacer.pause(0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await ChatPacer(redis, key, 0.0).wait_turn()
    assert loop.time() - start >= 0.15


async def test_a_slot_reserved_early_and_used_late_still_spaces_the_next_update(redis: Redis, prefix: str) -> None:
    from core.store.context import ContextLoader
    from core.store.keys import Keys
    from core.types import ConversationKey

    keys = Keys(prefix)
    conv = ConversationKey("memory", "chat3", "", "u")
    ctx = await ContextLoader(redis, keys, history_ttl=60).load(conv, "memory", "u", "chat3", 0.3)
    pacer = ChatPacer(redis, keys.pace("memory", "chat3"), 0.3, first_slot=ctx.first_slot)
    await asyncio.sleep(0.15)  # the model takes a while to its first token: the subject of the test
    loop = asyncio.get_running_loop()
    await pacer.wait_turn()
    first = loop.time()
    await ChatPacer(redis, keys.pace("memory", "chat3"), 0.3).wait_turn()  # another reply to this chat
    other = loop.time()
    # Had the early reservation stood, the other reply could go 0.15 s after the late first update.
    assert other - first >= 0.25

"""The Redis store against a real Redis: history, choices, dedupe, usage, the queue lock."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from core.store.admission import Admissions, Verdict
from core.store.context import ContextLoader
from core.store.conversation_queue import ConversationQueue, Exchange
from core.store.history import HistoryStore
from core.store.keys import Keys
from core.store.ledger import Periods, spending
from core.store.prefs import ModelChoices
from core.store.usage import UsageCounters
from core.types import ConversationKey, Limits, Turn

CONV = ConversationKey("telegram", "42", "", "7")

C = str(CONV)  # the conversation, as its key's string form (queues carry that)


def _seen(redis: Redis, prefix: str, event: object) -> str:
    """The seen mark of an event of C's chat (in its slot on a cluster)."""
    return Keys.for_client(prefix, redis).seen("telegram", str(event), "42")


def _exchange(keys: Keys, reset_mark: int, max_turns: int, *turns: Turn) -> Exchange:
    spent = spending(keys, "telegram", "7", "Gus", "m", Periods.at())
    return Exchange(keys.history(CONV), keys.stop(CONV), keys.usage("telegram", "7"), reset_mark,
                    100, max_turns, 30, 4, tuple(t.to_json() for t in turns), spent)


async def _history(loader: ContextLoader) -> list[Turn]:
    return (await loader.load(CONV, "telegram", "7", "42", Limits(max_chars=4096, min_edit_interval=0.0))).history


async def test_history_is_stored_in_order_capped_and_its_ttl_slides_on_read(redis: Redis, prefix: str) -> None:
    keys = Keys.for_client(prefix, redis)
    queue = ConversationQueue(redis, Keys.for_client(prefix, redis), lease_ms=5000)
    loader = ContextLoader(redis, keys, history_ttl=100)
    for i in range(3):
        await queue.push(C, f"m{i}", "tok", _seen(redis, prefix, i))
        asked, answered = Turn("user", f"q{i}", time.time(), 3), Turn("assistant", f"a{i}", time.time(), 3)
        exchange = _exchange(keys, 0, 4, asked, answered)
        await queue.next(C, "tok", answered=f"m{i}".encode(), exchange=exchange)
    turns = await _history(loader)
    assert [t.text for t in turns] == ["q1", "a1", "q2", "a2"]
    assert turns[0].role == "user" and turns[0].tokens == 3
    await redis.expire(keys.history(CONV), 5)
    await _history(loader)
    assert await redis.ttl(keys.history(CONV)) > 5  # reading slid the TTL back to 100 s
    await HistoryStore(redis, keys).clear(CONV)
    assert await _history(loader) == []


async def test_conversation_scope_shapes_the_key() -> None:
    from tests.helpers import inbound

    msg = inbound("hi", user="u1", chat="c1", thread_id="t9")
    assert str(ConversationKey.for_inbound(msg, "user")) == "memory:c1:t9:u1"
    assert str(ConversationKey.for_inbound(msg, "thread")) == "memory:c1:t9:"
    assert str(ConversationKey.for_inbound(msg, "chat")) == "memory:c1::"


async def test_model_choice_and_usage_are_per_platform_user(redis: Redis, prefix: str) -> None:
    keys = Keys.for_client(prefix, redis)
    choices, usage = ModelChoices(redis, keys), UsageCounters(redis, keys)
    await choices.set("telegram", "7", "big-model")
    assert await choices.get("telegram", "7") == "big-model"
    assert await choices.get("discord", "7") is None
    assert (await usage.get("telegram", "7")).requests == 0


async def test_dedupe_says_first_time_exactly_once(redis: Redis, prefix: str) -> None:
    dedupe = Admissions(redis, Keys.for_client(prefix, redis), per_minute=0)
    assert await dedupe.first_time("slack", "Ev1", "C1")
    assert not await dedupe.first_time("slack", "Ev1", "C1")
    assert await dedupe.first_time("discord", "Ev1", "C1")


async def test_an_intake_in_progress_elsewhere_is_left_for_a_redelivery(redis: Redis, prefix: str) -> None:
    keys = Keys.for_client(prefix, redis)
    here, there = Admissions(redis, keys, per_minute=5), Admissions(redis, keys, per_minute=5)
    assert (await here.admit("slack", "Ev1", "u", "C1")).verdict is Verdict.FIRST_TIME
    assert (await there.admit("slack", "Ev1", "u", "C1")).verdict is Verdict.BUSY  # not a duplicate yet
    assert (await here.admit("slack", "Ev1", "u", "C1")).verdict is Verdict.FIRST_TIME  # ours: failed midway, again
    await here.release("slack", "Ev1", "C1")
    assert (await there.admit("slack", "Ev1", "u", "C1")).verdict is Verdict.FIRST_TIME  # released: anyone may
    await there.handled("slack", "Ev1", "C1")
    assert (await here.admit("slack", "Ev1", "u", "C1")).verdict is Verdict.DUPLICATE


async def test_queue_hands_out_messages_in_order_and_releases_when_drained(redis: Redis, prefix: str) -> None:
    queue = ConversationQueue(redis, Keys.for_client(prefix, redis), lease_ms=5000)
    assert await queue.push(C, "m1", "tokA", _seen(redis, prefix, 1)) == b"m1"  # first pusher holds the lock
    assert await queue.push(C, "m2", "tokB", _seen(redis, prefix, 2)) is None  # second only queues
    second = await queue.next(C, "tokA", answered=b"m1")
    assert second.item == b"m2"
    done = await queue.next(C, "tokA", answered=b"m2")
    assert done.item is None and not done.lost
    assert (await queue.due()).next_in is None  # nothing queued anywhere
    assert await queue.push(C, "m3", "tokC", _seen(redis, prefix, 3))  # the lock was released with the queue empty
    due = await queue.due()
    assert due.overdue == [] and due.next_in is not None and 4 < due.next_in <= 5


async def test_every_queue_script_is_safe_to_run_twice(redis: Redis, prefix: str) -> None:
    """redis-py sends a call again when the connection broke before the reply: nothing doubles."""
    keys = Keys.for_client(prefix, redis)
    queue = ConversationQueue(redis, keys, lease_ms=5000)
    turns = (Turn("user", "q", 1.0, 2), Turn("assistant", "a", 2.0, 2))
    assert await queue.push(C, "m1", "tok", _seen(redis, prefix, 1)) == b"m1"
    assert await queue.push(C, "m1", "tok", _seen(redis, prefix, 1)) == b"m1"  # repeated: still ours, not pushed twice
    assert await queue.push(C, "m2", "tok2", _seen(redis, prefix, 2)) is None
    assert await redis.lrange(keys.queue(C), 0, -1) == [b"m1", b"m2"]
    for _ in range(2):  # the acknowledgement, repeated
        nxt = await queue.next(C, "tok", answered=b"m1", exchange=_exchange(keys, 0, 10, *turns))
        assert nxt.item == b"m2"
    assert await redis.lrange(keys.queue(C), 0, -1) == [b"m2"]  # m2 was not dropped by the repeat
    assert await redis.llen(keys.history(CONV)) == 2  # and the exchange was stored once
    await redis.delete(keys.lock(C))  # the holder died; its lease ran out
    assert await queue.adopt(C, "tok3")
    assert await queue.adopt(C, "tok3")  # repeated: still ours
    assert not await queue.adopt(C, "tok4")


async def test_a_holder_that_lost_its_lease_stops(redis: Redis, prefix: str) -> None:
    queue = ConversationQueue(redis, Keys.for_client(prefix, redis), lease_ms=5000)
    await queue.push(C, "m1", "tokA", _seen(redis, prefix, 1))
    await redis.set(Keys.for_client(prefix, redis).lock(C), "tokOther")  # the lease expired and someone adopted it
    nxt = await queue.next(C, "tokA", answered=b"m1")
    assert nxt.item is None and nxt.lost
    assert not await queue.renew(C, "tokA", b"m1")
    assert await redis.llen(Keys.for_client(prefix, redis).queue(C)) == 1  # the message was not dropped


async def test_a_lease_that_ran_out_unclaimed_is_taken_back_by_its_holder(redis: Redis, prefix: str) -> None:
    """Redis was away longer than the lease: the holder renews first and keeps the conversation."""
    queue = ConversationQueue(redis, Keys.for_client(prefix, redis), lease_ms=5000)
    await queue.push(C, "m1", "tokA", _seen(redis, prefix, 1))
    await redis.delete(Keys.for_client(prefix, redis).lock(C))
    assert not await queue.renew(C, "tokA", b"another message")  # not answering the head: no
    assert await queue.renew(C, "tokA", b"m1", checkpoint="saved")
    assert await redis.get(Keys.for_client(prefix, redis).lock(C)) == b"tokA"
    assert await redis.get(Keys.for_client(prefix, redis).reply(C)) == b"saved"  # the checkpoint rode along
    await queue.push(C, "m2", "tokB", _seen(redis, prefix, 2))
    await redis.delete(Keys.for_client(prefix, redis).lock(C))  # and again, now found by the acknowledgement first
    nxt = await queue.next(C, "tokA", answered=b"m1")
    assert nxt.item == b"m2" and not nxt.lost
    assert await redis.get(Keys.for_client(prefix, redis).lock(C)) == b"tokA"


async def test_acknowledging_stores_the_exchange_unless_reset_meanwhile(redis: Redis, prefix: str) -> None:
    keys = Keys.for_client(prefix, redis)
    queue = ConversationQueue(redis, Keys.for_client(prefix, redis), lease_ms=5000)
    turns = (Turn("user", "q", 1.0, 2), Turn("assistant", "a", 2.0, 2))

    await queue.push(C, "m1", "tok", _seen(redis, prefix, 1))
    await queue.push(C, "m2", "tok", _seen(redis, prefix, 2))
    await redis.set(keys.reply(C), "a checkpoint of m1's reply")
    await queue.next(C, "tok", answered=b"m1", exchange=_exchange(keys, 0, 10, *turns))
    assert await redis.get(keys.reply(C)) is None  # dropped with the acknowledgement
    assert [t.text for t in await _history(ContextLoader(redis, keys, history_ttl=100))] == ["q", "a"]
    await redis.hincrby(keys.stop(CONV), "reset", 1)  # /reset while m2 was answered
    done = await queue.next(C, "tok", answered=b"m2", exchange=_exchange(keys, 0, 10, *turns))
    assert done.item is None
    assert await redis.llen(keys.history(CONV)) == 2  # the forgotten exchange was not stored
    totals = await UsageCounters(redis, keys).get("telegram", "7")
    assert (totals.requests, totals.input_tokens, totals.output_tokens) == (2, 60, 8)

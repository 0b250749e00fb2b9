"""The faults, each run on real gateway processes and measured from what the chats show.

Every scenario returns a FaultResult: messages sent, answered exactly once, doubled, lost,
answers out of order, bot messages beside the answers, stored turns not each message once,
and the recovery times it measured (what they measure is said in `recovery_what`). Each one
leaves its rig as it found it (both gateways running, unless told `restore=False`: the last
one to use a rig need not start again what it killed), so scenarios can share one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from tests.fakes.discord_api import FakeDiscord
from tests.reliability.cluster import answer_for
from tests.reliability.rigs import SHARDS, Rig
from tests.reliability.tally import Asked, FaultResult


def _pace(rig: Rig, *, words: int, token_interval: float) -> None:
    rig.cluster.words = words
    rig.cluster.model.token_interval = token_interval


def _stream_of(rig: Rig, chats: Sequence[int], per_chat: int, tag: str) -> list[Asked]:
    return [rig.ask(chat, f"{tag}-{-chat}-{i}") for i in range(per_chat) for chat in chats]


async def kill_mid_reply(rig: Rig, *, chats: int, per_chat: int, rounds: int, restore: bool = True) -> FaultResult:
    """kill -9 of one of two replicas while replies stream in group chats (webhook behind a
    balancer that retries a failed delivery on the other replica); with `per_chat` > 1 the last
    message of each chat is sent just after the kill. The model holds every answer part-way until
    the kill, so it lands mid-reply. Recovery: from the kill to the first thing the replica that
    took a conversation over did in its chat."""
    _pace(rig, words=12, token_interval=0.1)
    model, balancer = rig.cluster.model, rig.balancer
    assert balancer is not None, "kill_mid_reply runs on the webhook rig"
    asked: list[Asked] = []
    recovery: list[float] = []
    retried_before = balancer.retried
    for round_no in range(rounds):
        group = [rig.new_chat() for _ in range(chats)]
        model.hold, model.hold_after = asyncio.Event(), 2
        batch = _stream_of(rig, group, max(1, per_chat - 1), f"k{round_no}")
        await rig.half_way(batch, chats)  # every chat's first reply shown in part: none mid-send
        victim = rig.gateways[round_no % len(rig.gateways)]
        killed_at = time.monotonic()
        await victim.kill()
        model.hold.set()
        # Taken over: the chats whose first message the victim took in (it held them, unanswered).
        # Not the adopters' log lines: a replica logs its first adoption, then holds repeats back.
        taken_over = {chat for chat in group if balancer.taken_by.get(chat) == victim.port}
        if per_chat > 1:
            batch += [rig.ask(chat, f"k{round_no}-{-chat}-after") for chat in group]
        asked += batch
        await rig.all_answered(batch, 120)
        for chat in taken_over:
            first = rig.first_call_after(chat, killed_at)
            if first is not None:
                recovery.append(first - killed_at)
        if restore or round_no < rounds - 1:
            await victim.start()
    model.hold = None
    result = await rig.tally("kill -9 of a replica mid-reply", asked)
    result.recovery = recovery
    result.recovery_what = "kill -9 -> the adopting replica's first call in each conversation it took over"
    retried = balancer.retried - retried_before
    after = "the last one sent just after the kill, " if per_chat > 1 else ""
    result.notes.append(f"{chats} group chats x {per_chat} messages ({after}{rounds} kill(s)); the balancer re-sent "
                        f"{retried} deliveries to the other replica")
    return result


async def redis_restart(rig: Rig, *, chats: int, messages: int, down: float, rate: float) -> FaultResult:
    """Redis killed (kill -9, AOF on) and started again under a steady stream of messages, two
    replicas behind the balancer. Recovery: from Redis back to each message that met the outage
    answered."""
    _pace(rig, words=8, token_interval=0.05)
    group = [rig.new_chat() for _ in range(chats)]
    kill_after = messages // 4
    asked: list[Asked] = []
    met_outage: list[Asked] = []
    tracebacks = rig.cluster.tracebacks()
    down_at = back_at = 0.0
    for index in range(messages):
        if index == kill_after:
            await rig.cluster.redis.kill()
            down_at = time.monotonic()
        elif down_at and not back_at and time.monotonic() - down_at >= down:
            await rig.cluster.redis.start()
            back_at = time.monotonic()
        asked.append(rig.ask(group[index % chats], f"r-{index}"))
        if down_at and not back_at:
            met_outage.append(asked[-1])
        await asyncio.sleep(1 / rate)  # a steady stream: the users' pace, not a wait for the system
    if not back_at:
        await asyncio.sleep(max(0.0, down - (time.monotonic() - down_at)))  # the outage lasts as long as asked
        await rig.cluster.redis.start()
        back_at = time.monotonic()
    await rig.all_answered(asked, 120)
    result = await rig.tally(f"Redis down {down:.0f} s under a steady stream", asked)
    waiting = {a.chat for a in met_outage}
    result.recovery = [at - back_at for chat in waiting if (at := rig.first_call_after(chat, back_at)) is not None]
    answered = [at - back_at for a in met_outage if (at := rig.answered_at(a)) is not None]
    result.recovery_what = ("Redis back -> the first call in each chat that had a message arrive during the "
                            "outage (that conversation moving again)")
    result.notes.append(f"{messages} messages over {chats} group chats at {rate:.0f}/s; Redis down "
                        f"{back_at - down_at:.1f} s; {len(met_outage)} arrived meanwhile (answered Redis back + "
                        f"{min(answered, default=0):.1f} s to + {max(answered, default=0):.1f} s: each chat's "
                        f"queued messages at a group chat's pace, one update per 3 s); tracebacks in the gateways' "
                        f"logs: {rig.cluster.tracebacks() - tracebacks}")
    return result


async def sigterm_hand_over(rig: Rig, *, rounds: int, drain: float, restore: bool = True) -> FaultResult:
    """SIGTERM to the replica streaming a long reply: it stops taking updates, waits DRAIN_SECONDS,
    then hands the reply over. Recovery: from SIGTERM to the other replica's first call in that chat."""
    _pace(rig, words=30, token_interval=0.1)
    asked: list[Asked] = []
    recovery: list[float] = []
    exit_codes: list[int | None] = []
    for round_no in range(rounds):
        leaving = rig.gateways[round_no % len(rig.gateways)]
        chat = rig.new_chat()
        asked.append(rig.ask(chat, f"s{round_no}", to=leaving))
        await rig.half_way(asked[-1:], 1)
        stopped_at = time.monotonic()
        exit_codes.append(await leaving.stop())
        await rig.all_answered(asked[-1:], 60)
        resumed = rig.first_call_after(chat, stopped_at + drain)
        if resumed is not None:
            recovery.append(resumed - stopped_at)
        if restore or round_no < rounds - 1:
            await leaving.start()
    result = await rig.tally(f"SIGTERM mid-reply (DRAIN_SECONDS={drain:g})", asked)
    result.recovery = recovery
    result.recovery_what = "SIGTERM -> the other replica's first call in the chat (DRAIN_SECONDS included)"
    result.notes.append(f"{rounds} SIGTERM(s) to the replica streaming a 30-word reply; exit codes {exit_codes}")
    if any(code != 0 for code in exit_codes):
        result.notes.append("a replica did not exit cleanly")
        result.lost += 1
    return result


async def polling_takeover(rig: Rig, *, rounds: int, before: int, restore: bool = True) -> FaultResult:
    """Two replicas long-polling one token: one polls (a lease), the other stands by; kill -9 the
    poller. Recovery: from the kill to the answer of a message sent at that moment."""
    _pace(rig, words=6, token_interval=0.02)
    role = f"telegram-poller:{rig.tg.me['id']}"
    asked: list[Asked] = []
    recovery: list[float] = []
    for round_no in range(rounds):
        chat = rig.new_chat()
        asked += [rig.ask(chat, f"p{round_no}-{i}") for i in range(before)]
        await rig.all_answered(asked, 60)
        # Shown is not yet stored: a kill between the platform taking the last answer and the poller
        # saving its id would leave it beside the standby's second one (the window no replica can
        # close: Telegram has no idempotent send). The fault here is the poller's role, not that.
        await rig.cluster.settled()
        poller = await rig.cluster.holder(role)
        assert poller is not None, "no replica holds the poller role"
        killed_at = time.monotonic()
        await poller.kill()
        asked.append(rig.ask(chat, f"p{round_no}-after"))
        await rig.all_answered(asked, 60)
        answered = rig.answered_at(asked[-1])
        if answered is not None:
            recovery.append(answered - killed_at)
        if restore or round_no < rounds - 1:
            await poller.start()
    result = await rig.tally("kill -9 of the Telegram poller (long polling, 2 replicas)", asked)
    conflicts = [c for c in rig.tg.calls_to("getUpdates") if c.status == 409]
    result.recovery = recovery
    result.recovery_what = "kill -9 of the poller -> a message sent then, answered by the standby"
    result.notes.append(f"{rounds} kill(s); 409 Conflict answers to getUpdates: {len(conflicts)}")
    result.doubled += len(conflicts)  # two pollers at once: what the lease exists to prevent
    result.anomalies += [f"getUpdates answered 409 at {c.at:.1f}" for c in conflicts]
    return result


async def discord_shard_takeover(rig: Rig, *, rounds: int, restore: bool = True) -> FaultResult:
    """Two replicas sharing one bot with DISCORD_SHARD_COUNT shards; kill -9 the one connected to
    the test server's shard. Recovery: from the kill to the standby's session for that shard."""
    fake = rig.discord
    assert fake is not None
    _pace(rig, words=6, token_interval=0.02)
    shard = (fake.guild_id >> 22) % SHARDS
    role = f"discord-shard:{fake.app_id}:{shard}/{SHARDS}"
    result = FaultResult(f"kill -9 of the replica holding a Discord shard ({SHARDS} shards, 2 replicas)")
    expected: dict[int, str] = {}
    overlaps = len(fake.gateway.overlaps)

    async def ask(text: str) -> None:
        stored = fake.user_message(text, mention=True)
        expected[stored.id] = answer_for(text, rig.cluster.words)
        await fake.wait_for(lambda: _discord_answered(fake, expected), 60, what="the answers")

    for round_no in range(rounds):
        await ask(f"d{round_no}-before")
        holder = await rig.cluster.holder(role)
        assert holder is not None, "no replica holds the shard"
        killed_at = time.monotonic()
        await holder.kill()
        await fake.wait_for(lambda: any(s == shard and at > killed_at for s, at in fake.gateway.sessions),  # noqa: B023
                            60, what="the standby's session for the shard")
        result.recovery.append(min(at for s, at in fake.gateway.sessions if s == shard and at > killed_at) - killed_at)
        await ask(f"d{round_no}-after")
        if restore or round_no < rounds - 1:
            await holder.start()
            await fake.wait_for(lambda: len(fake.gateway.live_shards()) == SHARDS, 60, what="every shard connected")
    replies: dict[int, list[str]] = {}
    for message in fake.messages.values():
        if message.ours:
            replies.setdefault(int((message.reference or {}).get("message_id", 0)), []).append(message.content)
    result.sent = len(expected)
    for question, answer in expected.items():
        got = replies.get(question, [])
        result.answered_once += got == [answer]
        result.doubled += len(got) > 1
        result.lost += not got or (len(got) == 1 and got[0] != answer)
    result.extra = sum(len(texts) for question, texts in replies.items() if question not in expected)
    result.doubled += len(fake.gateway.overlaps) - overlaps  # two sessions for one shard at once
    result.recovery_what = "kill -9 -> the standby replica's gateway session for the shard"
    result.notes.append(f"{rounds} kill(s); a message asked before and after each; second sessions for one "
                        f"shard: {len(fake.gateway.overlaps) - overlaps}")
    return result


def _discord_answered(fake: FakeDiscord, expected: dict[int, str]) -> bool:
    got = {int((m.reference or {}).get("message_id", 0)): m.content for m in fake.messages.values() if m.ours}
    return all(got.get(question) == answer for question, answer in expected.items())

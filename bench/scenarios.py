"""Each benchmark: set the fake model's pace, drive the processes, read what happened."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.profile import Profiler
from bench.rig import Rig
from bench.stats import summary_ms

PRIVATE_INTERVAL = 1.0  # the Telegram adapter's private-chat budget (bots/telegram/adapter.py)
DRAFT_OR_SEND = ("sendMessageDraft", "sendMessage")


def _model(rig: Rig, *, ttft: float, interval: float, words: int) -> None:
    rig.model.first_token_delay = ttft
    rig.model.token_interval = interval
    filler = " ".join(["lorem"] * max(0, words - 1))
    rig.model.reply = lambda body: f"{_tag(body)} {filler}".strip()


def _tag(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]["content"]) if users else ""


async def warm_up(rig: Rig) -> None:
    """Open connections and load scripts so the first measured message pays nothing extra."""
    chats = rig.new_chats(20)
    await rig.send(chats, tag="warm")
    await rig.wait_finals(chats, 60)


async def latency(rig: Rig, n: int, *, baseline: bool = False) -> dict[str, Any]:
    """Model first token -> first visible text; last token -> final message, against the floor.

    The baseline bot (no pacing) shows what aiogram and the sockets alone cost on this machine.
    """
    _model(rig, ttft=0.2, interval=0.02, words=40)
    await rig.start(1, baseline=baseline)
    await warm_up(rig)
    chats = rig.new_chats(n)
    for batch in range(0, n, 10):  # ten conversations at a time: light load, as a user sees it
        part = chats[batch:batch + 10]
        await rig.send(part, tag="lat")
        await rig.wait_finals(part, 60)
    first, final, excess = [], [], []
    visible: dict[int, list[tuple[str, float]]] = {}
    for call in rig.tg.calls:
        if call.method in DRAFT_OR_SEND and call.status == 200:
            visible.setdefault(int(call.params["chat_id"]), []).append((call.method, call.at))
    for chat in chats:
        first_token, last_token = rig.model.timings[f"lat-{chat}"]
        calls = visible[chat]
        first.append(calls[0][1] - first_token)
        final_at = next(at for method, at in calls if method == "sendMessage")
        final.append(final_at - last_token)
        before = [at for method, at in calls if at < final_at]
        paced = before and not baseline  # the baseline sends its final at once: its floor is the last token
        floor = max(last_token, (max(before) + PRIVATE_INTERVAL) if paced else last_token)
        excess.append(max(0.0, final_at - floor))
    await rig.stop()
    return {"first_visible": summary_ms(first), "final": summary_ms(final), "final_over_floor": summary_ms(excess),
            "cadence_s": PRIVATE_INTERVAL}


async def throughput(rig: Rig, n: int, *, procs: int = 1, baseline: bool = False,
                     profile: Path | None = None) -> dict[str, Any]:
    """Zero-latency model: messages per second end to end, CPU per message, Redis round trips."""
    _model(rig, ttft=0.0, interval=0.0, words=8)
    running = await rig.start(procs, baseline=baseline)
    await warm_up(rig)
    chats = rig.new_chats(n)
    cpu0 = [p.cpu_seconds() for p in running]
    harness0 = time.process_time()
    trips0 = rig.proxy.round_trips
    profiler = Profiler(running[0].pid, profile) if profile else None
    start = time.monotonic()
    if profiler:
        await profiler.__aenter__()
    await rig.send(chats, concurrency=200, tag="tp")
    last = await rig.wait_finals(chats, 300)
    if profiler:
        await profiler.__aexit__()
    elapsed = last - start
    cpu = sum(p.cpu_seconds() - c for p, c in zip(running, cpu0, strict=True))
    finals = rig.finals(set(chats))
    result: dict[str, Any] = {
        "messages": n, "processes": procs, "seconds": round(elapsed, 3),
        "per_second": round(n / elapsed, 1), "cpu_ms_per_message": round(1000 * cpu / n, 3),
        "harness_cpu_ms_per_message": round(1000 * (time.process_time() - harness0) / n, 3),
        "redis_round_trips_per_message": round((rig.proxy.round_trips - trips0) / n, 2),
        "duplicates": sum(len(v) - 1 for v in finals.values()), "lost": n - len(finals),
    }
    if profiler:
        shares, hottest = profiler.summary()
        result["profile"] = {"by_package": shares, "hottest": hottest, "error": profiler.error}
    await rig.stop()
    return result


async def concurrency(rig: Rig, n: int) -> dict[str, Any]:
    """n conversations streaming at once: all complete? RSS, Redis memory, loop lag."""
    # Streams long enough that the whole burst is admitted while the first ones still stream
    # (the gateway admits a few hundred messages a second): 3.5 s at 100, ~40 s at 5,000.
    _model(rig, ttft=0.5, interval=max(0.1, (n / 150 + 5) / 30), words=30)
    [proc] = await rig.start(1)
    await warm_up(rig)
    rig.model.max_open_streams = 0
    rss0, _ = proc.rss_bytes()
    mem0 = int((await rig.redis.info("memory"))["used_memory"])
    peak_mem = mem0
    chats = rig.new_chats(n)
    started = time.monotonic()
    sender = asyncio.create_task(rig.send(chats, concurrency=200, tag=f"c{n}"))
    waiter = asyncio.create_task(rig.wait_finals(chats, 600))
    while not waiter.done():
        peak_mem = max(peak_mem, int((await rig.redis.info("memory"))["used_memory"]))
        await asyncio.wait({waiter}, timeout=0.25)  # sample Redis memory while the streams run
    await sender
    await waiter
    _, rss_peak = proc.rss_bytes()
    health = await proc.health(window=time.monotonic() - started)  # lag during the run only
    finals = rig.finals(set(chats))
    await rig.stop()
    return {"conversations": n, "completed": len(finals),
            "max_streaming_at_once": rig.model.max_open_streams, "rss_start_mb": round(rss0 / 2**20, 1),
            "rss_peak_mb": round(rss_peak / 2**20, 1), "redis_peak_extra_mb": round((peak_mem - mem0) / 2**20, 2),
            "loop_lag": health.get("loop_lag", {})}


async def redis_memory(rig: Rig) -> dict[str, Any]:
    """Bytes Redis holds per stored conversation (its history) and per answered message (all keys)."""
    hist = [k async for k in rig.redis.scan_iter(match=f"{rig.prefix}hist:*", count=1000)]
    every = [k async for k in rig.redis.scan_iter(match=f"{rig.prefix}*", count=1000)]
    hist_bytes = sum([int(await rig.redis.memory_usage(k) or 0) for k in hist])
    all_bytes = sum([int(await rig.redis.memory_usage(k) or 0) for k in every])
    return {"conversations": len(hist), "history_bytes_each": round(hist_bytes / max(1, len(hist))),
            "all_keys_bytes_per_conversation": round(all_bytes / max(1, len(hist))), "keys": len(every)}

"""Each benchmark: set the fake model's pace, drive the processes, read what happened."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.procs import CLK_TCK, Process, cpu_seconds
from bench.profile import Profiler
from bench.rig import BOT_CORE, HARNESS_CORE, Rig, pin_process
from bench.stats import summary_ms

BOTS = ("aiohttp", "switchboard", "httpx")  # the floor first: every ratio divides by it
FLOOR = "aiohttp"
WORDS = 50  # tokens per answer
STREAM_TTFT = 0.1  # the paced model: 0.1 s to the first token, then one every 0.02 s (~1.1 s)


@dataclass(frozen=True)
class Case:
    """Messages kept `concurrency` in flight (closed loop), `n` in all, each a new private chat."""

    concurrency: int
    token_interval: float
    n: int

    @property
    def name(self) -> str:
        return f"C={self.concurrency}, {self.token_interval:g} s/token"


def _model(rig: Rig, *, ttft: float, interval: float, words: int) -> None:
    rig.model.first_token_delay = ttft
    rig.model.token_interval = interval
    filler = " ".join(["lorem"] * max(0, words - 1))
    rig.model.reply = lambda body: f"{_tag(body)} {filler}".strip()


def _tag(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]["content"]) if users else ""


async def warm_up(rig: Rig, n: int = 20) -> None:
    """Open connections and load scripts so the first measured message pays nothing extra."""
    chats = rig.new_chats(n)
    await rig.send(chats, concurrency=n, tag="warm")
    await rig.wait_finals(chats, 60)


def busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLK_TCK


@dataclass
class Tally:
    """One bot's raw figures for one case, summed over its rounds."""

    n: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    harness: float = 0.0
    redis_cpu: float = 0.0
    others: float = 0.0  # CPU seconds of everything else on the machine
    trips: int = 0
    refused: int = 0
    duplicates: int = 0
    lost: int = 0
    first: list[float] = field(default_factory=list)
    complete: list[float] = field(default_factory=list)

    def result(self, *, ours: bool, redis: bool) -> dict[str, Any]:
        cores = os.cpu_count() or 1
        out: dict[str, Any] = {
            "per_second": round(self.n / self.elapsed, 1),
            "cpu_ms_per_message": round(1000 * self.cpu / self.n, 3),
            "first_visible": summary_ms(self.first), "complete": summary_ms(self.complete),
            "refused_429": self.refused, "duplicates": self.duplicates, "lost": self.lost,
            "seconds": round(self.elapsed, 3),
            "harness_cpu_ms_per_message": round(1000 * self.harness / self.n, 3),
            # Everything else on the machine meanwhile (other users' work), as a share of all cores.
            "others_busy_pct": round(100 * self.others / (self.elapsed * cores), 1),
        }
        if ours and redis:
            out["redis_cpu_ms_per_message"] = round(1000 * self.redis_cpu / self.n, 3)
        return out


async def compare(rig: Rig, cases: list[Case], *, rounds: int = 3, profile: Path | None = None) -> dict[str, Any]:
    """Every bot runs at once (idle ones cost nothing), pinned to the bot core. Each case is cut
    in `rounds` rounds that visit the bots in turn, so load from other work on a shared machine
    falls on every bot alike; a bot's figures are summed over its rounds."""
    procs = {bot: rig.spawn(bot, counted=False) for bot in BOTS}  # Redis direct, as deployed
    rig.procs = list(procs.values())  # the rig stops them whatever happens
    await asyncio.gather(*(p.start() for p in procs.values()))
    pin_process(os.getpid(), HARNESS_CORE)
    for p in procs.values():
        pin_process(p.pid, BOT_CORE)
    watcher = asyncio.create_task(rig.watch())
    results: dict[str, Any] = {}
    try:
        for proc in procs.values():
            rig.procs = [proc]
            await warm_up(rig, 200)  # every pool (Redis, Bot API, model) at its C=200 size
        for case in cases:
            tallies = {bot: Tally() for bot in procs}
            share = max(3 * case.concurrency, case.n // rounds)  # a round keeps C in flight a while
            for start in range(0, case.n, share):
                for bot, proc in procs.items():
                    part = Case(case.concurrency, case.token_interval, min(share, case.n - start))
                    await _measure(rig, proc, part, tallies[bot], others=list(procs.values()))
            results[case.name] = {"concurrency": case.concurrency, "token_interval": case.token_interval,
                                  "messages": case.n}
            for bot, tally in tallies.items():
                results[case.name][bot] = tally.result(ours=bot == "switchboard", redis=rig.redis_pid is not None)
                print(f"  {case.name} {bot}: {results[case.name][bot]}", flush=True)
        if profile is not None:
            # Unmeasured: a second gateway behind the counting proxy, sampled by py-spy.
            counted = rig.spawn("switchboard", 1)
            procs["counted"] = counted
            await counted.start()
            pin_process(counted.pid, BOT_CORE)
            rig.procs = [counted]
            await warm_up(rig, 200)
            results["profiles"] = []
            for case in cases:
                if case.concurrency >= 200:
                    results["profiles"].append(await _profile(rig, counted, case, profile))
                    trips = results["profiles"][-1]["redis_round_trips_per_message"]
                    results[case.name]["switchboard"]["redis_round_trips_per_message"] = trips
    finally:
        watcher.cancel()
        rig.procs = list(procs.values())
        await rig.stop()
    return results


async def _measure(rig: Rig, proc: Process, case: Case, tally: Tally, *, others: list[Process]) -> None:
    """n messages to one bot, `concurrency` in flight; adds its figures to `tally`."""
    _model(rig, ttft=STREAM_TTFT if case.token_interval else 0.0, interval=case.token_interval, words=WORDS)
    chats = rig.new_chats(case.n)
    rig.seen.update(rig.tg.calls)
    refused0 = rig.seen.refused
    cpu0, idle0 = proc.cpu_seconds(), sum(p.cpu_seconds() for p in others if p is not proc)
    harness0, redis0, machine0 = time.process_time(), cpu_seconds(rig.redis_pid), busy_seconds()
    trips0 = rig.proxy.round_trips
    queue = list(reversed(chats))
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=case.concurrency)) as session:
        async def worker() -> None:
            while queue:
                await rig.answer(queue.pop(), proc, "m", session)

        await asyncio.gather(*(worker() for _ in range(case.concurrency)))
    elapsed = max(rig.seen.final[c] for c in chats) - start
    cpu = proc.cpu_seconds() - cpu0
    harness = time.process_time() - harness0
    redis_cpu = cpu_seconds(rig.redis_pid) - redis0
    idle_bots = sum(p.cpu_seconds() for p in others if p is not proc) - idle0
    machine = busy_seconds() - machine0
    finals = rig.finals(set(chats))
    tally.n += case.n
    tally.elapsed += elapsed
    tally.cpu += cpu
    tally.harness += harness
    tally.redis_cpu += redis_cpu
    tally.others += max(0.0, machine - cpu - harness - redis_cpu - idle_bots)
    tally.trips += rig.proxy.round_trips - trips0
    tally.refused += rig.seen.refused - refused0
    tally.duplicates += sum(n - 1 for n in finals.values())
    tally.lost += case.n - len(finals)
    tally.first += [rig.seen.first_visible[c] - rig.sent_at[c] for c in chats]
    tally.complete += [rig.seen.final[c] - rig.sent_at[c] for c in chats]


async def _profile(rig: Rig, proc: Process, case: Case, out: Path) -> dict[str, Any]:
    """The same case once more (not measured) with py-spy sampling the gateway."""
    profiler = Profiler(proc.pid, out)
    tally = Tally()
    await profiler.__aenter__()
    try:
        await _measure(rig, proc, case, tally, others=[])
    finally:
        await profiler.__aexit__()
    shares, hottest, under = profiler.details()
    return {"case": case.name, "by_package": shares, "hottest": hottest, "under_our_functions": under,
            "error": profiler.error, "redis_round_trips_per_message": round(tally.trips / tally.n, 2)}


async def scale_out(rig: Rig, n: int, procs: int) -> dict[str, Any]:
    """Zero-latency model, a burst of n messages over `procs` gateway processes (not pinned)."""
    _model(rig, ttft=0.0, interval=0.0, words=8)
    running = await rig.start(procs)
    await warm_up(rig)
    chats = rig.new_chats(n)
    cpu0 = [p.cpu_seconds() for p in running]
    trips0 = rig.proxy.round_trips
    start = time.monotonic()
    await rig.send(chats, concurrency=200, tag="tp")
    last = await rig.wait_finals(chats, 300)
    elapsed = last - start
    cpu = sum(p.cpu_seconds() - c for p, c in zip(running, cpu0, strict=True))
    finals = rig.finals(set(chats))
    result: dict[str, Any] = {
        "messages": n, "processes": procs, "seconds": round(elapsed, 3),
        "per_second": round(n / elapsed, 1), "cpu_ms_per_message": round(1000 * cpu / n, 3),
        "redis_round_trips_per_message": round((rig.proxy.round_trips - trips0) / n, 2),
        "duplicates": sum(v - 1 for v in finals.values()), "lost": n - len(finals),
    }
    await rig.stop()
    return result


async def concurrency(rig: Rig, n: int) -> dict[str, Any]:
    """n conversations streaming at once: all complete? RSS, Redis memory, loop lag."""
    # Streams long enough that most of the burst is admitted while the first ones still stream
    # (the gateway admits a few hundred messages a second): 5.5 s at 100, ~38 s at 5,000.
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
    with contextlib.suppress(TimeoutError):  # an incomplete burst is a result too: "completed" says it
        await waiter
    _, rss_peak = proc.rss_bytes()
    health = await proc.health(window=time.monotonic() - started)  # lag during the run only
    finals = rig.finals(set(chats))
    await rig.stop()
    errors = sum(1 for line in proc.log_path.read_text(errors="replace").splitlines() if " ERROR " in line)
    return {"conversations": n, "completed": len(finals), "errors_logged": errors, "refused_429": rig.seen.refused,
            "max_streaming_at_once": rig.model.max_open_streams, "rss_start_mb": round(rss0 / 2**20, 1),
            "rss_peak_mb": round(rss_peak / 2**20, 1), "redis_peak_extra_mb": round((peak_mem - mem0) / 2**20, 2),
            "loop_lag": health.get("loop_lag", {}), "redelivered": rig.redelivered}


async def redis_memory(rig: Rig) -> dict[str, Any]:
    """Bytes Redis holds per stored conversation (its history) and per answered message (all keys)."""
    hist = [k async for k in rig.redis.scan_iter(match=f"{rig.prefix}hist:*", count=1000)]
    every = [k async for k in rig.redis.scan_iter(match=f"{rig.prefix}*", count=1000)]
    hist_bytes = sum([int(await rig.redis.memory_usage(k) or 0) for k in hist])
    all_bytes = sum([int(await rig.redis.memory_usage(k) or 0) for k in every])
    return {"conversations": len(hist), "history_bytes_each": round(hist_bytes / max(1, len(hist))),
            "all_keys_bytes_per_conversation": round(all_bytes / max(1, len(hist))), "keys": len(every)}

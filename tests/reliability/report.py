"""docs/reliability.md from one `make faults` run."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from tests.reliability.costs import Cost
from tests.reliability.tally import FaultResult, percentile


def _machine() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, redis-server on the same machine, "
            f"commit {commit or 'uncommitted'}, load average {load:.1f} when it ended, "
            f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")


def _seconds(values: list[float]) -> str:
    if not values:
        return "—"
    return (f"p50 {percentile(values, 0.5):.1f} s, p99 {percentile(values, 0.99):.1f} s, "
            f"max {max(values):.1f} s (n={len(values)})")


def render(results: list[FaultResult], costs: list[Cost], command: str) -> str:
    lines = [
        "# Reliability: faults on real processes",
        "",
        f"Measured by `{command}` ({_machine()}). Every fault runs on two `switchboard run`",
        "gateway processes with a redis-server of its own (append-only file on), the fake",
        "Telegram (webhook behind a balancer that re-sends a failed delivery to the other replica,",
        "or long polling) or the fake Discord (2 shards), and a fake model streaming its answers.",
        "A message is *answered once* when exactly one bot message replies to it and shows the",
        "whole answer; *doubled* when more than one does (or two pollers / two shard sessions were",
        "live at once); *lost* when none does. *Other* counts answers out of order, bot messages",
        "beside the answers (a half-answer left behind) and conversations whose stored turns are",
        "not each message once, in order. Defaults: `LEASE_SECONDS=6`.",
        "",
        "| fault | sent | answered once | doubled | lost | other | recovery |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        other = r.out_of_order + r.extra + r.stored_wrong
        lines.append(f"| {r.fault} | {r.sent} | {r.answered_once} | {r.doubled} | {r.lost} | {other} | "
                     f"{_seconds(r.recovery)} |")
    lines += ["", "What each recovery time measures, and how each fault ran:", ""]
    for r in results:
        lines.append(f"* **{r.fault}**: {r.recovery_what}. {' '.join(r.notes)}")
    anomalies = [(r.fault, a) for r in results for a in r.anomalies]
    if anomalies:
        lines += ["", "Messages not answered exactly once in this run (what their chat showed):", ""]
        lines += [f"* {fault}: {anomaly}" for fault, anomaly in anomalies]
    lines += [
        "",
        "## What a message costs in Redis round trips",
        "",
        "One gateway behind the benchmarks' round-trip counting proxy (bench/redis_proxy.py),",
        "messages one at a time, each in its own chat; every request sorted by the first key it",
        "names. A reply's checkpoint is written at once only when a new platform message exists",
        "(its id must not be lost); text changes ride on the lease renewal the holder makes anyway,",
        "and the acknowledgement deletes it in the same script. The lease renewal (every",
        "`LEASE_SECONDS`/3 while a reply streams) and the sweeper (at most once a second per",
        "replica, sooner when a lease deadline is nearer) run on clocks, not per message: they are",
        "shown per message for this run's pace (a group reply waits 3 s for its second update).",
        "",
    ]
    purposes = sorted({name for c in costs for name in c.per_message})
    lines.append("| per message | " + " | ".join(c.kind for c in costs) + " |")
    lines.append("| --- |" + " ---: |" * len(costs))
    for name in purposes:
        lines.append(f"| {name} | " + " | ".join(f"{c.per_message.get(name, 0):.1f}" for c in costs) + " |")
    lines.append("| **all** | " + " | ".join(f"**{c.total:.1f}**" for c in costs) + " |")
    lines.append("")
    lines.append("Of these, what reply checkpoints added: the `checkpoint write` row (one per platform "
                 "message a reply creates); reading a checkpoint joins the context read's pipeline, and "
                 "dropping it joins the acknowledgement (no round trip of their own).")
    lines += [
        "",
        "## Not covered",
        "",
        "* A crash between a platform's answer to a send and the checkpoint write that follows it",
        "  (one Redis round trip) leaves that message beside the answer: nothing can know its id.",
        "  The kill scenarios wait until every half-answer's checkpoint is stored before killing,",
        "  so they measure everything but that window; a crash at a random moment of a reply that",
        "  streams for seconds rarely lands in it, but a kill timed on a burst of first sends does.",
        "* Discord never re-sends: events sent to a shard while no replica holds it (from the",
        "  holder's death until the standby's session, the recovery time above) are not delivered.",
        "  Messages that arrive while Redis is away wait in the receiving replica's memory",
        "  (`DISCORD_BACKLOG`); if that replica dies too, they are lost.",
        "",
    ]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)

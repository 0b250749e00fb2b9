"""`python -m bench [--full]`: run the benchmarks and write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from bench import report, scenarios
from bench.rig import rig

QUICK = {"latency": 30, "throughput": 600, "concurrency": [100, 1000], "scale_out": [1, 2], "scale_n": 400}
FULL = {"latency": 100, "throughput": 3000, "concurrency": [100, 1000, 5000], "scale_out": [1, 2, 4], "scale_n": 2000}


async def run(full: bool, out: Path) -> dict[str, Any]:
    plan = FULL if full else QUICK
    results: dict[str, Any] = {"plan": "full" if full else "quick"}

    def say(name: str, value: Any) -> None:
        print(f"{name}: {json.dumps(value)}", flush=True)

    async with rig() as r:
        results["latency"] = await scenarios.latency(r, plan["latency"])
        say("latency", results["latency"])
    async with rig() as r:
        results["latency_baseline"] = await scenarios.latency(r, plan["latency"], baseline=True)
        say("latency (baseline)", results["latency_baseline"])
    tp: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with rig() as r:
            tp["switchboard x1"] = await scenarios.throughput(r, plan["throughput"], profile=Path(tmp) / "prof.txt")
            say("throughput", tp["switchboard x1"])
            results["redis_memory"] = await scenarios.redis_memory(r)
            say("redis memory", results["redis_memory"])
    async with rig() as r:
        tp["baseline"] = await scenarios.throughput(r, plan["throughput"], baseline=True)
        say("baseline", tp["baseline"])
    for procs in plan["scale_out"]:
        if procs == 1:
            continue
        async with rig() as r:
            tp[f"switchboard x{procs}"] = await scenarios.throughput(r, plan["scale_n"], procs=procs)
            say(f"scale-out x{procs}", tp[f"switchboard x{procs}"])
    results["throughput"] = tp
    conc = []
    for n in plan["concurrency"]:
        async with rig() as r:
            conc.append(await scenarios.concurrency(r, n))
            say(f"concurrency {n}", conc[-1])
    results["concurrency"] = conc
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--full", action="store_true", help="the whole set (several minutes)")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--render", action="store_true", help="only re-render docs from the last run's JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.render:
        results = json.loads((args.out / "benchmarks.json").read_text())
        args.full = results.get("plan") == "full"
    else:
        results = asyncio.run(run(args.full, args.out))
    doc = report.write(results, args.out, "make bench" + (" FULL=1" if args.full else ""))
    print(doc.read_text())


if __name__ == "__main__":
    main()

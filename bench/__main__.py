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
from bench.scenarios import Case

QUICK = {"cases": [Case(1, 0.0, 30), Case(1, 0.02, 10), Case(20, 0.0, 300), Case(200, 0.0, 600),
                   Case(200, 0.02, 600)],
         "concurrency": [100, 1000], "scale_out": [2], "scale_n": 400}
FULL = {"cases": [Case(1, 0.0, 100), Case(1, 0.02, 40), Case(20, 0.0, 1000), Case(200, 0.0, 3000),
                  Case(200, 0.02, 2000)],
        "concurrency": [100, 1000, 5000], "scale_out": [2, 4], "scale_n": 2000}


async def run(full: bool, out: Path) -> dict[str, Any]:
    plan = FULL if full else QUICK
    results: dict[str, Any] = {"plan": "full" if full else "quick", "machine": report.machine(),
                               "load_before": load_average()}

    def say(name: str, value: Any) -> None:
        print(f"{name}: {json.dumps(value)}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        async with rig() as r:
            results["cases"] = await scenarios.compare(r, plan["cases"], profile=Path(tmp) / "prof.txt")
            results["redis_memory"] = await scenarios.redis_memory(r)
            say("redis memory", results["redis_memory"])
    tp: dict[str, Any] = {}
    for procs in plan["scale_out"]:
        async with rig() as r:
            tp[f"switchboard x{procs}"] = await scenarios.scale_out(r, plan["scale_n"], procs)
            say(f"scale-out x{procs}", tp[f"switchboard x{procs}"])
    results["scale_out"] = tp
    conc = []
    for n in plan["concurrency"]:
        async with rig() as r:
            conc.append(await scenarios.concurrency(r, n))
            say(f"concurrency {n}", conc[-1])
    results["concurrency"] = conc
    results["load_after"] = load_average()
    return results


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


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

"""`python -m tests.reliability` (`make faults`): every fault at a larger size, on the default
lease, and docs/reliability.md written from what this run measured."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import tempfile
from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.cluster import KEEP_LOGS
from tests.reliability.costs import Cost, checkpoint_cost
from tests.reliability.report import render, write
from tests.reliability.rigs import polling_rig, webhook_rig
from tests.reliability.tally import FaultResult

ENV = {"DRAIN_SECONDS": "2"}  # the lease at its default (LEASE_SECONDS=6)


async def run() -> tuple[list[FaultResult], list[Cost]]:
    results: list[FaultResult] = []

    def done(result: FaultResult) -> None:
        results.append(result)
        print(f"{result.fault}: sent {result.sent}, once {result.answered_once}, doubled {result.doubled}, "
              f"lost {result.lost}, recovery {[round(r, 1) for r in result.recovery]}", flush=True)
        for anomaly in result.anomalies:
            print(f"  {anomaly}", flush=True)

    async with webhook_rig(ENV) as rig:
        done(await scenarios.kill_mid_reply(rig, chats=8, per_chat=3, rounds=3))
        done(await scenarios.redis_restart(rig, chats=8, messages=40, down=5.0, rate=4.0))
        done(await scenarios.sigterm_hand_over(rig, rounds=3, drain=2.0))
        done(await scenarios.discord_shard_takeover(rig, rounds=3, restore=False))
    async with polling_rig(ENV) as polling:
        done(await scenarios.polling_takeover(polling, rounds=3, before=3, restore=False))
    costs = await checkpoint_cost(20)
    for cost in costs:
        print(cost, flush=True)
    return results, costs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument("--out", type=Path, default=Path("docs/reliability.md"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logs = Path(tempfile.gettempdir()) / "switchboard-faults-logs"
    shutil.rmtree(logs, ignore_errors=True)
    os.environ[KEEP_LOGS] = str(logs)
    results, costs = asyncio.run(run())
    print(f"the gateways' logs are in {logs}")
    write(args.out, render(results, costs, "make faults"))
    print(f"wrote {args.out}")
    if not all(r.clean for r in results):
        raise SystemExit("a fault lost, doubled or misplaced a message: see the table")


if __name__ == "__main__":
    main()

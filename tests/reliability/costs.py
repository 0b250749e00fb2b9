"""What a message costs in Redis round trips, and what checkpointing adds: one gateway behind
the benchmarks' round-trip counting proxy, each request sorted by the first key it names."""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field

from bench.redis_proxy import RoundTripProxy, Upstream
from tests.fakes.telegram_api import FakeTelegram
from tests.reliability.cluster import cluster

PRIVATE_BASE = 70_000
# The first key a request names -> what it is for (key names: core/store/keys.py).
KINDS = (("reply:", "checkpoint write"), ("lock:", "lease renewal"), ("queues:due", "sweeper"),
         ("queue:", "queue (push, ack)"), ("seen:", "admission"), ("pace:", "pacing"), ("hist:", "context read"),
         ("stop:", "stop poll"), ("llm:", "model client state"))
KEY = re.compile(rb"\$\d+\r\n[^\r]*?:(reply:|lock:|queues:due|queue:|seen:|pace:|hist:|stop:|llm:)")


@dataclass
class Cost:
    kind: str  # which reply shape
    messages: int
    seconds: float  # how long the run took (the sweeper's and the renewals' clocks run meanwhile)
    per_message: dict[str, float] = field(default_factory=dict)  # round trips per message, by purpose

    @property
    def total(self) -> float:
        return sum(self.per_message.values())


def purpose(request: bytes) -> str:
    found = KEY.search(request)
    if found is None:
        return "connection (ping, hello, script load)"
    prefix = found.group(1).decode()
    return next(name for key, name in KINDS if prefix.startswith(key))


async def checkpoint_cost(messages: int) -> list[Cost]:
    """Group replies (send, then edit) and private replies (drafts, then one message), one at a
    time through the webhook, each in its own chat."""
    import time

    costs = []
    async with cluster(words=6, token_interval=0.02) as rig, FakeTelegram() as tg:
        async with RoundTripProxy(Upstream(host="127.0.0.1", port=rig.redis.port)) as proxy:
            proxy.trace = []
            [gateway] = await rig.start_gateways(1, {
                "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE": tg.base_url, "REDIS_URL": proxy.url,
                "TELEGRAM_WEBHOOK_URL": "http://127.0.0.1:{port}/telegram", "TELEGRAM_WEBHOOK_SECRET": "cost"})
            url = f"http://127.0.0.1:{gateway.port}/telegram"
            for kind in ("group (send, then edit)", "private (drafts, then the message)"):
                traced, started = len(proxy.trace), time.monotonic()
                for i in range(messages):
                    if kind.startswith("group"):
                        chat, text = -2_000_000_000 - i, f"@switchboard_bot cost {i}"
                        update = tg.user_message(chat, 9000 + i, text, chat_type="supergroup", push=False)
                    else:
                        chat = PRIVATE_BASE + i
                        update = tg.user_message(chat, chat, f"cost {i}", push=False)
                    assert await tg.deliver_webhook(url, update, secret="cost") == 200
                    await tg.wait_for(lambda: any(m.text.endswith("w5") for m in tg.sent_to(chat)), 30,  # noqa: B023
                                      what="the answer")
                    await rig.settled()
                counted = collections.Counter(purpose(t) for t in proxy.trace[traced:])
                costs.append(Cost(kind, messages, time.monotonic() - started,
                                  {name: n / messages for name, n in counted.most_common()}))
    return costs

"""Redis Cluster: a REDIS_URL naming a node is recognised, every script and transaction keeps to
one hash slot, and the gateway answers, remembers, counts and takes over on a real three-node
cluster started here (`make test-cluster` runs the whole suite on one)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from core.config import Settings
from core.gateway import Gateway
from core.redis_client import connect
from core.store.keys import CLUSTER_SHARDS, Keys
from core.types import ConversationKey
from switchboard.assembly import assembled
from tests.conftest import client_for, drop_prefix
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound
from tests.redis_cluster import RedisCluster


@pytest.fixture(scope="module")
def cluster_url() -> Iterator[str]:
    with RedisCluster() as cluster:
        yield cluster.url


@pytest.fixture
async def cluster(cluster_url: str, prefix: str) -> AsyncIterator[Redis]:
    client = client_for(cluster_url, cluster=True)
    yield client
    await drop_prefix(client, prefix)
    await client.aclose()


@pytest.fixture
async def on_cluster(make_settings: Callable[..., Settings], cluster_url: str, cluster: Redis,
                     platform: MemoryPlatform) -> AsyncIterator[Callable[..., Any]]:
    """Gateways assembled from a REDIS_URL naming one cluster node, as `switchboard run` would."""
    async with AsyncExitStack() as stack:
        async def make(**overrides: Any) -> Gateway:
            settings = make_settings(redis_url=cluster_url, **overrides)
            running = await stack.enter_async_context(assembled(settings))
            running.core.bind(platform)
            return running.gateway

        yield make


def _slot(key: str) -> int:
    return int(key_slot(key.encode()))


async def test_a_url_naming_a_cluster_node_gets_a_cluster_client_and_tagged_keys(
        cluster_url: str, tmp_path: Path) -> None:
    handle = await connect(cluster_url, tmp_path)
    try:
        assert handle.clustered and handle.where.endswith("(cluster)")
        assert Keys.for_client("p:", handle.client).shards == CLUSTER_SHARDS
        assert await handle.client.ping()
    finally:
        await handle.close()


def test_a_conversation_its_events_and_its_deadlines_share_a_slot_and_people_theirs() -> None:
    keys = Keys("sb:", CLUSTER_SHARDS)
    conv = ConversationKey("telegram", "-100:7", "42", "9")
    conversation = {keys.history(conv), keys.queue(conv), keys.lock(conv), keys.stop(conv), keys.reply(conv),
                    keys.last_active(conv), keys.lease_deadlines(conv), keys.lease_deadlines(str(conv)),
                    keys.seen("telegram", "update-1", "-100:7")}
    assert len({_slot(k) for k in conversation}) == 1
    person = {keys.rate("telegram", "9"), keys.usage("telegram", "9"), keys.quota("telegram", "9"),
              keys.model_choice("telegram", "9"), keys.recent_models("telegram", "9"),
              keys.spent("telegram", "9", "d20261130"),
              *(f(p, keys.stats_shard("telegram", "9")) for f in (keys.stats, keys.stats_users) for p in ("d1", "m1")),
              keys.names(keys.stats_shard("telegram", "9"))}
    assert len({_slot(k) for k in person}) == 1
    pairing = {keys.approved(), keys.pairing_code("ABC"), keys.pairing_user("slack", "U1"), keys.pairing_pending()}
    assert len({_slot(k) for k in pairing}) == 1
    # No single hot set: the deadlines of many chats spread over every shard's set, over many slots.
    sets = {keys.lease_deadlines(ConversationKey("slack", f"C{n}", "", "")) for n in range(500)}
    assert sets == set(keys.all_lease_deadlines()) and len({_slot(k) for k in sets}) == CLUSTER_SHARDS
    # One Redis: the names stay as they were (an upgrade keeps every conversation).
    assert Keys("sb:").history(conv) == "sb:hist:telegram:-100:7:42:9"


async def test_the_gateway_answers_remembers_dedupes_and_counts_on_a_cluster(
        on_cluster: Callable[..., Any], platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await on_cluster(admins="memory:root", user_messages_per_minute=3)
    assert gateway.core.keys.clustered
    for user in ("root", "bob", "carol"):
        await gateway.handle(inbound(f"hello from {user}", user=user, user_name=user.title()))
    await gateway.handle(inbound("once", user="bob", event_id="same"))
    await gateway.handle(inbound("once", user="bob", event_id="same"))  # a re-delivery: no second answer
    await gateway.join()
    await gateway.handle(inbound("and again", user="root"))
    await gateway.join()
    assert platform.final_texts("chat-root") == ["You said: hello from root", "You said: and again"]
    assert platform.final_texts("chat-bob") == ["You said: hello from bob", "You said: once"]
    last = model_server.chat_requests()[-1].body["messages"]
    assert [m["content"] for m in last if m["role"] != "system"] == [
        "hello from root", "You said: hello from root", "and again"]  # memory, across slots
    await gateway.handle(inbound("/stats", user="root"))
    await gateway.join()
    stats = platform.notices[-1].text
    assert re.search(r"^Today \(UTC\): 3 users, 5 messages, \d+ tokens$", stats, re.M), stats
    await gateway.handle(inbound("/usage", user="bob"))
    await gateway.join()
    assert "All time: 2 requests" in platform.notices[-1].text, platform.notices[-1].text
    for n in range(3):  # past the flood limit of 3 a minute: told once, in the person's slot
        await gateway.handle(inbound(f"flood {n}", user="carol"))
    await gateway.join()
    assert len(platform.final_texts("chat-carol")) == 3
    assert sum("too many" in n.text.lower() or "slow down" in n.text.lower() for n in platform.notices) == 1


async def test_a_dead_replicas_queue_is_adopted_on_a_cluster(
        on_cluster: Callable[..., Any], platform: MemoryPlatform) -> None:
    gateway = await on_cluster()
    msg = inbound("left behind", chat="chat-elsewhere")
    conv_id = str(gateway.core.conversation(msg))
    keys, queue, redis = gateway.core.keys, gateway.core.queue, gateway.core.redis
    assert await queue.push(conv_id, msg.to_json(), "dead-replica", keys.seen("memory", msg.event_id, msg.chat_id))
    await redis.delete(keys.lock(conv_id))
    await redis.zadd(keys.lease_deadlines(conv_id), {conv_id: 0})  # its deadline passed long ago
    await gateway.sweep_once()
    await platform.wait_for(lambda: platform.final_texts("chat-elsewhere") == ["You said: left behind"])
    await gateway.join()
    assert await redis.zcard(keys.lease_deadlines(conv_id)) == 0  # drained: the deadline is gone too

"""The switchboard_* families count what the core does (each gateway has its own registry)."""

from __future__ import annotations

from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from core.gateway import Gateway
from core.metrics import Metrics
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


def value(gateway: Gateway, name: str, **labels: str) -> float:
    return gateway.core.metrics.registry.get_sample_value(name, labels) or 0.0


async def say(gateway: Gateway, text: str, **kw: object) -> None:
    await gateway.handle(inbound(text, **kw))  # type: ignore[arg-type]
    await gateway.join()


async def test_an_answer_is_counted_from_intake_to_the_model(gateway: Gateway, platform: MemoryPlatform) -> None:
    await say(gateway, "hello there")
    assert platform.final_texts("chat-alice") == ["You said: hello there"]
    assert value(gateway, "switchboard_messages_received_total", platform="memory") == 1
    assert value(gateway, "switchboard_replies_total", platform="memory", outcome="ok") == 1
    assert value(gateway, "switchboard_reply_first_visible_seconds_count", platform="memory") == 1
    assert value(gateway, "switchboard_reply_seconds_count", platform="memory") == 1
    assert value(gateway, "switchboard_model_first_token_seconds_count", target="primary/fake-large") == 1
    assert value(gateway, "switchboard_model_requests_total", target="primary/fake-large", outcome="ok") == 1
    assert value(gateway, "switchboard_tokens_total", direction="output") > 0
    assert value(gateway, "switchboard_tokens_total", direction="input") > 0
    assert value(gateway, "switchboard_replies_streaming") == 0


async def test_refusals_errors_and_platform_429s_are_counted(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                                             model_server: FakeModelServer) -> None:
    gateway = await make_gateway(max_input_chars=20)
    await say(gateway, "x" * 21)
    await say(gateway, "   ")
    assert value(gateway, "switchboard_replies_total", platform="memory", outcome="refused") == 2

    model_server.fail_next(401, {"error": {"message": "Incorrect API key"}})
    await say(gateway, "with a bad key")
    assert value(gateway, "switchboard_replies_total", platform="memory", outcome="error") == 1
    assert value(gateway, "switchboard_model_requests_total", target="primary/fake-large", outcome="auth") == 1

    platform.retry_next(0.01)
    await say(gateway, "through a 429")
    assert platform.final_texts("chat-alice")[-1] == "You said: through a 429"
    assert value(gateway, "switchboard_platform_retry_after_total", platform="memory") == 1
    assert value(gateway, "switchboard_replies_total", platform="memory", outcome="ok") == 1
    assert value(gateway, "switchboard_messages_received_total", platform="memory") == 4


async def test_a_failover_is_counted_with_its_reason(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                                     model_server: FakeModelServer) -> None:
    gateway = await make_gateway(model_fallbacks="fake-other", model_retries=0)
    model_server.fail_next(503, {"error": {"message": "down for maintenance"}})
    await say(gateway, "answer anyway")
    assert platform.final_texts("chat-alice") == ["You said: answer anyway"]
    assert value(gateway, "switchboard_model_failovers_total", reason="unavailable") == 1
    assert value(gateway, "switchboard_model_requests_total", target="primary/fake-large", outcome="unavailable") == 1
    assert value(gateway, "switchboard_model_requests_total", target="primary/fake-other", outcome="ok") == 1


async def test_an_adopted_queue_is_counted(gateway: Gateway, platform: MemoryPlatform) -> None:
    msg = inbound("left behind")
    conv_id = str(gateway.core.conversation(msg))
    seen = gateway.core.keys.seen("memory", msg.event_id, msg.chat_id)
    assert await gateway.core.queue.push(conv_id, msg.to_json(), "dead-replica", seen)
    await gateway.core.redis.delete(gateway.core.keys.lock(conv_id))
    await gateway.core.redis.zadd(gateway.core.keys.lease_deadlines(conv_id), {conv_id: 0})  # due long ago
    await gateway.sweep_once()  # or the sweeper task, which wakes at the lease deadlines
    await platform.wait_for(lambda: platform.final_texts("chat-alice"))
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: left behind"]
    assert value(gateway, "switchboard_queue_adoptions_total") == 1


async def test_each_gateway_counts_alone(make_gateway: GatewayMaker) -> None:
    first, second = await make_gateway(), await make_gateway()
    await say(first, "only to the first")
    assert value(first, "switchboard_messages_received_total", platform="memory") == 1
    assert value(second, "switchboard_messages_received_total", platform="memory") == 0


async def test_no_label_carries_a_user_or_chat_id(gateway: Gateway) -> None:
    for user in ("alice", "bob", "carol"):
        await say(gateway, f"hi from {user}", user=user, chat=f"chat-{user}-7731")
    text = generate_latest(gateway.core.metrics.registry).decode()
    labels = {v for family in text_string_to_metric_families(text) for sample in family.samples
              for v in sample.labels.values()}
    assert labels  # something was counted
    assert not {v for v in labels if "alice" in v or "bob" in v or "carol" in v or "7731" in v}


def test_the_families_the_issue_names_exist() -> None:
    names = {f.name for f in Metrics().registry.collect()}
    assert {
        "switchboard_messages_received", "switchboard_replies", "switchboard_reply_first_visible_seconds",
        "switchboard_reply_seconds", "switchboard_model_first_token_seconds", "switchboard_model_requests",
        "switchboard_model_failovers", "switchboard_platform_retry_after", "switchboard_replies_streaming",
        "switchboard_tokens", "switchboard_queue_adoptions", "switchboard_redis_errors",
    } <= names

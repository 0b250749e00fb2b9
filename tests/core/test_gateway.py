"""The whole core against a real Redis and a real local model server."""

from __future__ import annotations

import asyncio
import re

from core.gateway import Gateway
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


def _user_contents(server: FakeModelServer, index: int) -> list[str]:
    body = server.chat_requests()[index].body
    return [m["content"] for m in body["messages"] if m["role"] != "system"]


async def test_reply_streams_and_is_remembered(gateway: Gateway, platform: MemoryPlatform,
                                               model_server: FakeModelServer) -> None:
    await gateway.handle(inbound("hello there"))
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: hello there"]
    await gateway.handle(inbound("and again"))
    await gateway.join()
    assert _user_contents(model_server, 1) == ["hello there", "You said: hello there", "and again"]
    first = model_server.chat_requests()[0].body
    assert first["messages"][0]["role"] == "system"
    assert first["stream"] is True and first["model"] == "fake-large"


async def test_memory_is_per_user(gateway: Gateway, platform: MemoryPlatform,
                                  model_server: FakeModelServer) -> None:
    await gateway.handle(inbound("I am alice", user="alice"))
    await gateway.join()
    await gateway.handle(inbound("I am bob", user="bob"))
    await gateway.join()
    assert _user_contents(model_server, 1) == ["I am bob"]


async def test_two_messages_at_once_are_answered_in_order(gateway: Gateway, platform: MemoryPlatform,
                                                          model_server: FakeModelServer) -> None:
    model_server.hold = asyncio.Event()
    await asyncio.gather(gateway.handle(inbound("first")), gateway.handle(inbound("second")))
    await model_server.wait_for_requests(1)
    # The second waits its turn: only one request is in flight for the conversation.
    assert len(model_server.chat_requests()) == 1
    model_server.hold.set()
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: first", "You said: second"]
    assert _user_contents(model_server, 1) == ["first", "You said: first", "second"]


async def test_redelivered_event_gets_one_reply(gateway: Gateway, platform: MemoryPlatform,
                                                model_server: FakeModelServer) -> None:
    await asyncio.gather(*(gateway.handle(inbound("once", event_id="same-id")) for _ in range(3)))
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: once"]
    assert len(model_server.chat_requests()) == 1


async def test_oversized_message_gets_a_clear_answer(gateway: Gateway, platform: MemoryPlatform,
                                                     model_server: FakeModelServer) -> None:
    await gateway.handle(inbound("x" * 9000))
    await gateway.join()
    assert "9,000 characters; the limit is 8,000" in platform.notices[0].text
    assert model_server.chat_requests() == []


async def test_wrong_key_is_explained_without_the_key(gateway: Gateway, platform: MemoryPlatform,
                                                      model_server: FakeModelServer) -> None:
    model_server.fail_next(401, {"error": {"message": "Incorrect API key provided: sk-te***"}})
    await gateway.handle(inbound("hi"))
    await gateway.join()
    assert platform.notices[-1].text.startswith("The model endpoint rejected the key")
    assert "sk-test-secret" not in platform.notices[-1].text
    assert platform.messages == {}


async def test_dead_endpoint_is_explained(make_gateway: GatewayMaker, platform: MemoryPlatform) -> None:
    gw = await make_gateway(model_base_url="http://127.0.0.1:9/v1", model_context_window=128000)
    await gw.handle(inbound("anyone there?"))
    await gw.join()
    assert "unavailable" in platform.notices[-1].text


async def test_denied_user_gets_one_polite_line(gateway: Gateway, platform: MemoryPlatform,
                                                model_server: FakeModelServer) -> None:
    platform.denied_users.add("mallory")
    await gateway.handle(inbound("let me in", user="mallory"))
    await gateway.join()
    assert [n.text for n in platform.notices] == ["Sorry, this bot is not open to you. Ask its operator for access."]
    assert model_server.chat_requests() == []


async def test_orphaned_queue_is_adopted_by_the_sweeper(gateway: Gateway, platform: MemoryPlatform) -> None:
    # A replica died holding the lease: its lock expired, its message is still queued.
    msg = inbound("left behind")
    conv_id = str(gateway.core.conversation(msg))
    keys, queue, redis = gateway.core.keys, gateway.core.queue, gateway.core.redis
    assert await queue.push(conv_id, msg.to_json(), "dead-replica", keys.seen("memory", msg.event_id, msg.chat_id))
    await redis.delete(keys.lock(conv_id))
    await redis.zadd(keys.lease_deadlines(conv_id), {conv_id: 0})  # its deadline passed long ago
    await gateway.sweep_once()  # or the sweeper task, which wakes at least once a second
    await platform.wait_for(lambda: platform.final_texts("chat-alice") == ["You said: left behind"])
    await gateway.join()
    assert (await queue.due()).next_in is None  # nothing left queued


async def test_stop_ends_a_streaming_reply(gateway: Gateway, platform: MemoryPlatform,
                                           model_server: FakeModelServer) -> None:
    model_server.reply = "one two three four five six"
    model_server.hold, model_server.hold_after = asyncio.Event(), 2
    await gateway.handle(inbound("write forever"))
    await platform.wait_for(lambda: any(m.text.startswith("one two") for m in platform.messages.values()))
    await gateway.handle(inbound("/stop"))
    await gateway.join()
    assert platform.notices[0].text.startswith("Stopping")
    assert platform.final_texts("chat-alice") == ["one two \n\n_(stopped)_"]
    # The model's HTTP stream was closed, not left running.
    await model_server.wait_disconnect()
    model_server.hold = None
    # A stopped reply is still remembered as far as the user saw it.
    await gateway.handle(inbound("next"))
    await gateway.join()
    assert _user_contents(model_server, 1) == ["write forever", "one two ", "next"]


async def test_reset_forgets_but_keeps_the_model_choice(gateway: Gateway, platform: MemoryPlatform,
                                                        model_server: FakeModelServer) -> None:
    await gateway.handle(inbound("/model fake-other"))
    await gateway.handle(inbound("remember me"))
    await gateway.join()
    await gateway.handle(inbound("/reset"))
    await gateway.handle(inbound("who am I?"))
    await gateway.join()
    assert _user_contents(model_server, 1) == ["who am I?"]
    assert model_server.chat_requests()[1].body["model"] == "fake-other"


async def test_a_flooding_user_is_told_once_when_to_retry(make_gateway: GatewayMaker,
                                                           platform: MemoryPlatform) -> None:
    gw = await make_gateway(user_messages_per_minute=2)
    for text in ("one", "two", "three", "four"):
        await gw.handle(inbound(text))
    await gw.handle(inbound("two", event_id="dup"))
    await gw.handle(inbound("two", event_id="dup"))
    await gw.join()
    assert platform.final_texts("chat-alice") == ["You said: one", "You said: two"]
    [notice] = [n.text for n in platform.notices]  # "three" is told; "four" and "dup" are dropped quietly
    assert re.fullmatch(r"Too many messages — I'll read you again in (59|60) s\.", notice)

"""/continue after an answer cut at the length limit, /retry, and the note after a conversation
expired for its silence."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from core.commands.continue_answer import GO_ON
from core.gateway import Gateway
from core.reply.stream import CONTINUE_OFFER, LENGTH_LIMIT_NOTE
from core.types import ConversationKey
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


async def _say(gateway: Gateway, text: str, user: str = "alice") -> None:
    await gateway.handle(inbound(text, user=user))
    await gateway.join()


def _asked(server: FakeModelServer, index: int = -1) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in server.chat_requests()[index].body["messages"] if m["role"] != "system"]


async def test_a_cut_answer_offers_to_continue_and_continue_goes_on(
        gateway: Gateway, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.finish_reason = "length"
    await _say(gateway, "tell me everything")
    assert platform.final_texts("chat-alice") == ["You said: tell me everything" + LENGTH_LIMIT_NOTE]
    offer = platform.notices[-1]
    assert offer.text == CONTINUE_OFFER and [c.command for c in offer.choices] == ["/continue"]
    model_server.finish_reason = "stop"
    await _say(gateway, offer.choices[0].command)  # the button sends the command
    assert _asked(model_server) == [("user", "tell me everything"), ("assistant", "You said: tell me everything"),
                                    ("user", GO_ON)]
    assert platform.final_texts("chat-alice")[-1] == f"You said: {GO_ON}"
    assert len(platform.notices) == 1  # an answer that ended by itself offers nothing


async def test_continue_with_nothing_to_continue_says_so(
        gateway: Gateway, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    await _say(gateway, "/continue")
    assert platform.notices[-1].text == "There is no answer to continue here yet."
    assert not model_server.chat_requests()


async def test_retry_asks_again_and_replaces_the_answer_in_memory(
        gateway: Gateway, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    await _say(gateway, "first question")
    answers = iter(["a poor answer", "a better answer", "and so on"])
    model_server.reply = lambda body: next(answers)
    await _say(gateway, "what is best?")
    await _say(gateway, "/retry")
    assert _asked(model_server) == [("user", "first question"), ("assistant", "You said: first question"),
                                    ("user", "what is best?")]
    await _say(gateway, "next")
    assert _asked(model_server) == [("user", "first question"), ("assistant", "You said: first question"),
                                    ("user", "what is best?"), ("assistant", "a better answer"), ("user", "next")]
    assert platform.final_texts("chat-alice")[1:] == ["a poor answer", "a better answer", "and so on"]


async def test_retry_with_nothing_to_retry_says_so(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/retry")
    assert platform.notices[-1].text == "There is no answer to retry here yet."


async def test_an_expired_conversation_says_once_that_a_fresh_one_started(
        gateway: Gateway, platform: MemoryPlatform, redis: Redis) -> None:
    core = gateway.core
    await _say(gateway, "remember kiwi")
    conv = ConversationKey("memory", "chat-alice", "", "alice")
    # SESSION_TTL of silence, as Redis sees it afterwards: the history expired, the activity is that old.
    await redis.delete(core.keys.history(conv))
    await redis.set(core.keys.last_active(conv), f"{time.time() - core.settings.session_ttl - 5:.0f}")
    await _say(gateway, "what was the word?")
    await _say(gateway, "and now?")
    texts = platform.final_texts("chat-alice")
    assert texts[1].startswith("_(Our last conversation was more than 7 days ago and has been forgotten")
    assert texts[1].endswith("You said: what was the word?")
    assert texts[0] == "You said: remember kiwi" and texts[2] == "You said: and now?"


async def test_a_new_or_reset_conversation_gets_no_expired_note(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "hello")
    await _say(gateway, "/reset")
    await _say(gateway, "hello again")
    assert platform.final_texts("chat-alice") == ["You said: hello", "You said: hello again"]
    assert [f.first for f in platform.facts] == [True, True]  # each began a conversation
    assert {f.model for f in platform.facts} == {"fake-large"}

"""Bad input gets a clear answer: control characters never reach the model, command arguments
are bounded and echoed short, oversized messages are refused with the limit named."""

from __future__ import annotations

from core.gateway import Gateway
from core.hygiene import clean_text, quoted
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


async def _say(gateway: Gateway, text: str, user: str = "alice") -> None:
    await gateway.handle(inbound(text, user=user))
    await gateway.join()


def test_control_characters_go_newlines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x07c\x1b[31md\x7fe\x85f") == "abc[31mdef"
    assert clean_text("line\r\nnext\rlast\ttab") == "line\nnext\nlast\ttab"
    assert clean_text("lone \ud83d surrogate") == "lone  surrogate"
    keep = "emoji 👩‍💻 (with a zero-width joiner), RTL \u202eevil, accents é, CJK 日本"
    assert clean_text(keep) == keep
    assert quoted("x" * 100) == "'" + "x" * 39 + "…'"


async def test_null_bytes_never_reach_the_model(gateway: Gateway, platform: MemoryPlatform,
                                                model_server: FakeModelServer) -> None:
    await _say(gateway, "hel\x00lo\x1b there\r\nfriend")
    assert model_server.chat_requests()[0].body["messages"][-1]["content"] == "hello there\nfriend"
    await _say(gateway, "\x00\x01\x02")
    assert platform.notices[-1].text == "Send me some text and I will answer it."
    assert len(model_server.chat_requests()) == 1


async def test_a_huge_command_argument_is_refused_in_one_short_line(
        gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/model " + "x" * 5000)
    [notice] = platform.notices
    assert notice.text == "/model takes at most 200 characters after it; that was 5,000."
    await _say(gateway, "/" + "frob" * 1000)
    assert len(platform.notices[-1].text) < 200


async def test_an_unknown_model_id_is_quoted_shortened(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/model " + "fake-" + "z" * 150)
    text = platform.notices[-1].text
    assert text.startswith("Unknown model 'fake-zzz") and "z…'." in text and len(text) < 150


async def test_a_message_over_max_input_chars_is_refused_with_the_limit(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(max_input_chars=100)
    await _say(gateway, "y" * 101)
    assert platform.notices[-1].text == ("Your message is 101 characters; the limit is 100. "
                                         "Please shorten it or split it into parts.")
    assert model_server.chat_requests() == []

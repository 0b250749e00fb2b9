"""/model for catalogs of hundreds of models: words find models, pages go on, recent ones first."""

from __future__ import annotations

from core.gateway import Gateway
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound

MANY = [{"id": f"vendor/m{n:03d}-chat", "context_length": 128000} for n in range(300)]


async def _say(gateway: Gateway, text: str, user: str = "alice") -> None:
    await gateway.handle(inbound(text, user=user))
    await gateway.join()


async def _many(make_gateway: GatewayMaker, model_server: FakeModelServer) -> Gateway:
    model_server.models = MANY
    return await make_gateway(model_name="vendor/m000-chat")


def _listed(text: str) -> list[str]:
    return [line[2:].split(" ")[0] for line in text.splitlines() if line.startswith("• ")]


async def test_words_list_the_matching_models_as_choices(
        make_gateway: GatewayMaker, model_server: FakeModelServer, platform: MemoryPlatform) -> None:
    gateway = await _many(make_gateway, model_server)
    await _say(gateway, "/model M04")
    notice = platform.notices[-1]
    assert _listed(notice.text) == [f"vendor/m{n:03d}-chat" for n in range(40, 50)]
    assert [c.command for c in notice.choices] == [f"/model vendor/m{n:03d}-chat" for n in range(40, 50)]
    await _say(gateway, "/model chat 123 VENDOR")  # every word, any order
    assert _listed(platform.notices[-1].text) == ["vendor/m123-chat"]


async def test_an_exact_id_still_switches_at_once(
        make_gateway: GatewayMaker, model_server: FakeModelServer, platform: MemoryPlatform) -> None:
    gateway = await _many(make_gateway, model_server)
    await _say(gateway, "/model VENDOR/m042-CHAT")
    assert platform.notices[-1].text == "Model switched to vendor/m042-chat."
    await _say(gateway, "hello")
    assert model_server.chat_requests()[-1].body["model"] == "vendor/m042-chat"


async def test_the_listing_pages_with_next_and_previous(
        make_gateway: GatewayMaker, model_server: FakeModelServer, platform: MemoryPlatform) -> None:
    gateway = await _many(make_gateway, model_server)
    await _say(gateway, "/model")
    first = platform.notices[-1]
    assert "page 1 of 15, 300 models" in first.text and len(_listed(first.text)) == 20
    assert first.choices[-1].command == "/model page 2"
    await _say(gateway, "/model page 2")
    second = platform.notices[-1]
    assert not set(_listed(first.text)) & set(_listed(second.text))
    assert [c.command for c in second.choices[-2:]] == ["/model page 1", "/model page 3"]
    await _say(gateway, "/model page 99")  # past the end: the last page
    assert "page 15 of 15" in platform.notices[-1].text
    assert platform.notices[-1].choices[-1].command == "/model page 14"


async def test_recently_used_models_come_first(
        make_gateway: GatewayMaker, model_server: FakeModelServer, platform: MemoryPlatform) -> None:
    gateway = await _many(make_gateway, model_server)
    for n in (250, 199, 250, 123):
        await _say(gateway, f"/model vendor/m{n:03d}-chat")
    await _say(gateway, "/model")
    listed = _listed(platform.notices[-1].text)
    assert listed[:3] == ["vendor/m123-chat", "vendor/m250-chat", "vendor/m199-chat"]
    assert "vendor/m123-chat (128K) ← current" in platform.notices[-1].text
    assert "vendor/m250-chat (128K) (recent)" in platform.notices[-1].text
    await _say(gateway, "/model", user="bob")  # someone else's recent models are not bob's
    assert _listed(platform.notices[-1].text)[:2] == ["vendor/m000-chat", "vendor/m001-chat"]


async def test_words_matching_nothing_usable_get_did_you_mean(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/model nothing-like-it")
    assert platform.notices[-1].text.startswith("Unknown model 'nothing-like-it'.")

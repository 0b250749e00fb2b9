"""Platform-neutral commands through the real pipeline."""

from __future__ import annotations

from core.commands import COMMANDS, parse_command
from core.gateway import Gateway
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound


async def _say(gateway: Gateway, text: str, user: str = "alice") -> None:
    await gateway.handle(inbound(text, user=user))
    await gateway.join()


def test_parse_command_strips_the_bot_name_and_ignores_paths() -> None:
    parsed = parse_command("/Model@switchboard_bot fake-other")
    assert parsed is not None and (parsed.name, parsed.args) == ("model", "fake-other")
    assert parse_command("/usr/bin is a folder") is None
    assert parse_command("hello /model") is None


async def test_help_lists_every_command_and_the_admin_ones_to_admins(
        make_gateway: GatewayMaker, platform: MemoryPlatform) -> None:
    gateway = await make_gateway(admins="memory:root")
    await _say(gateway, "/help")
    text = platform.notices[0].text
    assert all(f"/{c.name}" in text for c in COMMANDS if not c.admin)
    assert "/stats" not in text and "/approve" not in text
    await _say(gateway, "/help", user="root")
    text = platform.notices[1].text
    assert all(f"/{c.name}" in text for c in COMMANDS)


async def test_model_lists_the_endpoint_models_and_marks_small_windows(
    gateway: Gateway, platform: MemoryPlatform
) -> None:
    await _say(gateway, "/model")
    notice = platform.notices[0]
    assert "Current model: fake-large" in notice.text
    assert "fake-small (8K) — unavailable: under the 64K minimum" in notice.text
    assert [c.command for c in notice.choices] == ["/model fake-other"]


async def test_model_switch_changes_the_next_request(
    gateway: Gateway, platform: MemoryPlatform, model_server: FakeModelServer
) -> None:
    await _say(gateway, "/model FAKE-OTHER")
    assert platform.notices[-1].text == "Model switched to fake-other."
    await _say(gateway, "hi")
    assert model_server.chat_requests()[-1].body["model"] == "fake-other"
    await _say(gateway, "hi", user="bob")
    assert model_server.chat_requests()[-1].body["model"] == "fake-large"


async def test_unknown_model_gets_did_you_mean(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/model fake-lrge")
    assert platform.notices[-1].text.startswith("Unknown model 'fake-lrge'. Did you mean fake-large")


async def test_model_under_the_minimum_window_is_refused(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/model fake-small")
    assert "window of 8,192 tokens (8K), under the 64,000-token minimum" in platform.notices[-1].text
    await _say(gateway, "/model")
    assert "Current model: fake-large" in platform.notices[-1].text


async def test_usage_counts_this_users_tokens(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "count me")
    await _say(gateway, "/usage")
    text = platform.notices[-1].text
    assert text.startswith("Today: 17 tokens (no limit)\nThis month: 17 tokens (no limit)\n")
    assert text.endswith("All time: 1 request, 13 tokens in, 4 out")  # the fake model's reported usage
    await _say(gateway, "/usage", user="bob")
    assert platform.notices[-1].text.startswith("Today: 0 tokens (no limit)\n")


async def test_unknown_command_gets_a_short_help_line(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/frobnicate")
    assert platform.notices[-1].text.startswith("Unknown command /frobnicate. Try: /start /help")


async def test_ask_is_answered_as_a_message(gateway: Gateway, platform: MemoryPlatform) -> None:
    await _say(gateway, "/ask what is 2+2")
    assert platform.final_texts("chat-alice") == ["You said: what is 2+2"]

"""ACCESS_POLICY, pairing and admins through the real pipeline (in-memory platform, real Redis)."""

from __future__ import annotations

import re

from core.gateway import Gateway
from core.store.pairing import ALPHABET, CODE_LENGTH, MAX_SENDS, normalize_code
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound

CODE = re.compile(rf"pairing code is ([{ALPHABET}]{{{CODE_LENGTH}}}) \(valid for (\d+) min\)")


async def _say(gateway: Gateway, text: str, user: str = "alice", **extra: object) -> None:
    await gateway.handle(inbound(text, user=user, **extra))
    await gateway.join()


def _code(platform: MemoryPlatform) -> str:
    match = CODE.search(platform.notices[-1].text)
    assert match, platform.notices[-1].text
    return match.group(1)


async def test_open_lets_everyone_in_unless_the_platform_lists_people(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway()  # ACCESS_POLICY=open is the default
    await _say(gateway, "hi")
    assert platform.final_texts("chat-alice") == ["You said: hi"]
    platform.has_allowlist, platform.denied_users = True, {"mallory"}
    await _say(gateway, "hi", user="mallory")
    assert platform.notices[-1].text == "Sorry, this bot is not open to you. Ask its operator for access."
    assert len(model_server.chat_requests()) == 1


async def test_allowlist_lets_in_only_those_listed_and_admins(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(access_policy="allowlist", admins="memory:root")
    await _say(gateway, "hi")  # no list on this platform: nobody is named
    assert platform.notices[-1].text.startswith("Sorry, this bot is not open to you.")
    await _say(gateway, "hi", user="root")
    assert platform.final_texts("chat-root") == ["You said: hi"]
    platform.has_allowlist, platform.denied_users = True, {"mallory"}
    await _say(gateway, "hi again")
    assert platform.final_texts("chat-alice") == ["You said: hi again"]
    await _say(gateway, "me too", user="mallory")
    assert [r.body["messages"][-1]["content"] for r in model_server.chat_requests()] == ["hi", "hi again"]


async def test_pairing_gives_a_code_sends_nothing_to_the_model_and_approval_lets_the_next_message_through(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(access_policy="pairing", admins="memory:root")
    await _say(gateway, "hello?", user="dave", user_name="Dave Doe")
    code = _code(platform)
    assert int(CODE.search(platform.notices[-1].text).group(2)) in (59, 60)  # type: ignore[union-attr]
    assert f"switchboard pair approve {code}" in platform.notices[-1].text
    assert model_server.chat_requests() == []
    [pending] = await gateway.core.pairings.pending()
    assert (pending.code, pending.platform, pending.user_id, pending.name) == (code, "memory", "dave", "Dave Doe")

    await _say(gateway, "/approve " + code.lower(), user="root")  # typed in lower case: still the code
    assert platform.notices[-1].text == "Approved memory:dave (Dave Doe): their next message goes through."
    await _say(gateway, "now?", user="dave")
    assert platform.final_texts("chat-dave") == ["You said: now?"]
    assert await gateway.core.pairings.pending() == []

    await _say(gateway, "/revoke memory:dave", user="root")
    assert platform.notices[-1].text.startswith("Revoked memory:dave")
    await _say(gateway, "still there?", user="dave")
    assert _code(platform) != code
    assert len(model_server.chat_requests()) == 1


async def test_a_code_is_resent_a_few_times_then_the_bot_goes_quiet(
        make_gateway: GatewayMaker, platform: MemoryPlatform) -> None:
    gateway = await make_gateway(access_policy="pairing")
    for i in range(MAX_SENDS + 3):
        await _say(gateway, f"let me in {i}", user="eve")
    codes = [CODE.search(n.text) for n in platform.notices]
    assert len(codes) == MAX_SENDS and len({c.group(1) for c in codes if c}) == 1  # the same code, 3 times


async def test_in_a_group_pairing_is_about_the_person_who_gets_one_line_an_hour(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(access_policy="pairing", admins="memory:root")
    group = {"chat": "group-1", "is_direct": False}
    await _say(gateway, "@bot hi", user="frank", **group)
    await _say(gateway, "@bot hello??", user="frank", **group)
    assert [n.text for n in platform.notices] == [
        "I only answer people my operator approved. Write to me directly to get a pairing code."]
    assert await gateway.core.pairings.pending() == []  # no code is posted into a shared chat
    await _say(gateway, "@bot hi", user="root", **group)  # the admin in the same group is answered
    assert platform.final_texts("group-1") == ["You said: @bot hi"]
    await _say(gateway, "code please", user="frank")
    await _say(gateway, "/approve " + _code(platform), user="root")
    await _say(gateway, "@bot now", user="frank", **group)
    assert platform.final_texts("group-1") == ["You said: @bot hi", "You said: @bot now"]
    assert len(model_server.chat_requests()) == 2


async def test_admin_commands_are_refused_to_others_in_one_line(
        make_gateway: GatewayMaker, platform: MemoryPlatform) -> None:
    gateway = await make_gateway(admins="memory:root")
    for command in ("/approve ABCD2345", "/revoke memory:x", "/stats", "/chatmodel fake-other", "/prompt be brief",
                    "/quota memory:x 5"):
        await _say(gateway, command)
        name = command.split()[0]
        assert platform.notices[-1].text == f"{name} is for the bot's admins (ADMINS)."
    await _say(gateway, "/approve NOPE2345", user="root")
    assert platform.notices[-1].text.startswith("No pending code 'NOPE2345': wrong, used, or expired")


async def test_chatmodel_is_the_chats_default_and_a_users_own_model_wins(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(admins="memory:root")
    room = {"chat": "room", "is_direct": False}
    await _say(gateway, "/chatmodel fake-othr", user="root", **room)
    assert platform.notices[-1].text.startswith("Unknown model 'fake-othr'. Did you mean fake-other")
    await _say(gateway, "/chatmodel fake-other", user="root", **room)
    assert platform.notices[-1].text.startswith("This chat's model is now fake-other")
    await _say(gateway, "/model fake-large", user="bob")  # bob's own choice
    await _say(gateway, "q1", user="alice", **room)
    await _say(gateway, "q2", user="bob", **room)
    await _say(gateway, "q3", user="alice")  # another chat: the default
    assert [r.body["model"] for r in model_server.chat_requests()] == ["fake-other", "fake-large", "fake-large"]
    await _say(gateway, "/chatmodel reset", user="root", **room)
    await _say(gateway, "q4", user="alice", **room)
    assert model_server.chat_requests()[-1].body["model"] == "fake-large"


async def test_prompt_sets_this_chats_system_prompt(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(admins="memory:root", system_prompt="Default prompt.")
    await _say(gateway, "/prompt You are a pirate.", user="root", chat="chat-alice")
    await _say(gateway, "ahoy")
    await _say(gateway, "hi", user="bob")
    await _say(gateway, "/prompt reset", user="root", chat="chat-alice")
    await _say(gateway, "back")
    systems = [r.body["messages"][0]["content"] for r in model_server.chat_requests()]
    assert systems == ["You are a pirate.", "Default prompt.", "Default prompt."]
    await _say(gateway, "/prompt " + "x" * 5000, user="root")
    assert platform.notices[-1].text == "/prompt takes at most 4,000 characters after it; that was 5,000."


def test_codes_read_back_as_typed() -> None:
    assert normalize_code(" k7mx-2qpa ") == "K7MX2QPA"
    assert not set("01IO") & set(ALPHABET)

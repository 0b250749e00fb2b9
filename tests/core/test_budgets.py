"""Token budgets per user (USER_DAILY_TOKENS, USER_MONTHLY_TOKENS, /quota), /usage, /stats and
prices, through the real pipeline against a real Redis and the local model server."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from core.gateway import Gateway
from core.llm.base import TokenPrices
from core.llm.endpoints import EndpointsFileError
from core.llm.prices import load_price_table
from core.store.ledger import Periods
from core.when import resets, span
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound

RESET_AT = r"resets at 00:00 UTC \(in [0-9a-z ]+\)"


async def _say(gateway: Gateway, text: str, user: str = "alice", **extra: object) -> None:
    await gateway.handle(inbound(text, user=user, **extra))
    await gateway.join()


def _asked(server: FakeModelServer) -> list[str]:
    return [r.body["messages"][-1]["content"] for r in server.chat_requests()]


async def test_a_user_is_answered_until_the_daily_budget_is_spent_then_told_when_it_resets(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(user_daily_tokens=10, system_prompt="Be brief.")
    await _say(gateway, "one")  # 3 tokens in, 3 out (as the model server counts): under the line
    await _say(gateway, "two")  # still under when it starts; it may finish past the line
    await _say(gateway, "three")
    assert _asked(model_server) == ["one", "two"]
    assert re.fullmatch(rf"You have used today's 10 tokens\. Your budget {RESET_AT}; see /usage\.",
                        platform.notices[-1].text), platform.notices[-1].text
    await _say(gateway, "/usage")  # commands still answer
    lines = platform.notices[-1].text.splitlines()
    assert re.fullmatch(rf"Today: 16 tokens of 10 \(0 left\); {RESET_AT}", lines[0]), lines[0]
    assert lines[1] == "This month: 16 tokens (no limit)"
    await _say(gateway, "hi", user="bob")  # everyone has their own budget
    assert _asked(model_server)[-1] == "hi"


async def test_quota_sets_one_users_budget_and_admins_are_never_held_back(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(user_monthly_tokens=1, admins="memory:root")
    await _say(gateway, "first")
    await _say(gateway, "second")
    assert platform.notices[-1].text.startswith("You have used this month's 1 tokens. Your budget resets on 1 ")
    await _say(gateway, "/quota memory:alice 0 month", user="root")
    assert platform.notices[-1].text == "memory:alice now has no monthly limit."
    await _say(gateway, "third")
    await _say(gateway, "/quota memory:alice 5", user="root")  # a daily limit, for alice alone
    await _say(gateway, "fourth")
    assert platform.notices[-1].text.startswith("You have used today's 5 tokens.")
    await _say(gateway, "/quota memory:alice", user="root")
    shown = platform.notices[-1].text.splitlines()
    assert shown[0] == "memory:alice" and "of 5, set by /quota" in shown[1] and "of 0" not in shown[2]
    await _say(gateway, "/quota memory:alice reset", user="root")
    await _say(gateway, "fifth")  # back on USER_MONTHLY_TOKENS=1: spent
    for text in ("a", "b"):
        await _say(gateway, text, user="root")
    assert _asked(model_server) == ["first", "third", "a", "b"]
    await _say(gateway, "/quota alice lots", user="root")
    assert platform.notices[-1].text.startswith("Usage: /quota PLATFORM:USER_ID N [day|month]")


async def test_messages_queued_under_the_line_are_refused_once_an_earlier_answer_spends_it(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(user_daily_tokens=5, system_prompt="Be brief.")  # "first" costs 6
    model_server.hold = asyncio.Event()
    await gateway.handle(inbound("first"))
    await model_server.wait_for_requests(1)
    await gateway.handle(inbound("second"))  # queued behind the first, with nothing spent yet
    model_server.hold.set()
    await gateway.join()
    assert _asked(model_server) == ["first"]
    assert platform.notices[-1].text.startswith("You have used today's 5 tokens.")


async def test_usage_shows_the_cost_when_the_catalog_prices_the_model(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models[0]["pricing"] = {"prompt": "0.001", "completion": "0.002"}  # OpenRouter's shape
    gateway = await make_gateway(system_prompt="Be brief.")
    await _say(gateway, "price me")
    await _say(gateway, "/usage")
    usage = model_server.chat_requests()[0]
    tokens_in = FakeModelServer.prompt_tokens(usage.body)
    expected = tokens_in * 0.001 + 4 * 0.002  # the fake reports a completion token per word: "You said: price me"
    assert f"Cost this month: ${expected:.4f}" in platform.notices[-1].text


async def test_the_price_table_in_endpoints_toml_wins(
        make_gateway: GatewayMaker, platform: MemoryPlatform, tmp_path: Path) -> None:
    table = tmp_path / "endpoints.toml"
    table.write_text('[prices]\n"fake-large" = { input = 1000, output = 2000 }\n')  # per million tokens
    assert load_price_table(table) == {"fake-large": TokenPrices(0.001, 0.002)}
    gateway = await make_gateway(model_endpoints_file=table, admins="memory:root", system_prompt="Be brief.")
    await _say(gateway, "price me")
    await _say(gateway, "/usage")
    assert "Cost this month: $0.0" in platform.notices[-1].text
    table.write_text('[prices]\n"m" = { input = "cheap" }\n')
    with pytest.raises(EndpointsFileError, match=r"\[prices\] 'm' needs input and output"):
        load_price_table(table)


async def test_stats_counts_users_messages_and_tokens_per_model_with_names(
        make_gateway: GatewayMaker, platform: MemoryPlatform) -> None:
    gateway = await make_gateway(admins="memory:root", access_policy="pairing")
    await _say(gateway, "hello", user="root", user_name="Root Admin")
    await _say(gateway, "/model fake-other", user="root")
    await _say(gateway, "again", user="root")
    await _say(gateway, "let me in", user="zed", user_name="Zed")  # unpaired: a code, no tokens
    await _say(gateway, "/stats", user="root")
    text = platform.notices[-1].text
    assert re.search(r"^Today \(UTC\): 1 user, 2 messages, \d+ tokens$", text, re.M), text
    assert re.search(r"^This month \(UTC\): 1 user, 2 messages", text, re.M)
    assert re.search(r"^  fake-large: 1 messages, \d+ in / \d+ out$", text, re.M)
    assert re.search(r"^  fake-other: 1 messages, \d+ in / \d+ out$", text, re.M)
    assert re.search(r"^Most tokens this month: Root Admin \(memory:root\) \d+$", text, re.M)
    assert "Access: ACCESS_POLICY=pairing, 0 approved by pairing, 1 code pending" in text


def test_periods_and_reset_times_are_utc() -> None:
    periods = Periods.at(1738367999.0)  # 2025-01-31 23:59:59 UTC
    assert (periods.day, periods.month) == ("d20250131", "m202501")
    assert periods.day_ends == periods.month_ends == 1738368000.0
    assert resets(periods.day_ends, periods.now) == "resets at 00:00 UTC (in 1 s)"
    assert resets(Periods.at(1735689600.0).month_ends, 1735689600.0) == "resets on 1 Feb at 00:00 UTC (in 31 days)"
    assert span(5 * 3600 + 12 * 60 + 5) == "5 h 12 min"

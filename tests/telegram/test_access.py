"""Who may talk and how much, as a new Telegram user meets it: pairing approved from another
process (`switchboard pair approve`), a daily budget, the start-up warning of an open bot."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from pathlib import Path

import pytest

from tests.telegram.conftest import PRIVATE_CHAT, StartBot

SWITCHBOARD = str(Path(sys.executable).with_name("switchboard"))
CODE = re.compile(r"Your pairing code is ([A-Z0-9]{8}) ")


async def _pair(args: list[str], redis_url: str, prefix: str, cwd: Path) -> tuple[int, str, str]:
    """`switchboard pair ...` in its own process, with the gateway's Redis settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "MODEL_", "TELEGRAM_", "ACCESS_"))}
    env.update(REDIS_URL=redis_url, REDIS_PREFIX=prefix, ACCESS_POLICY="pairing")
    proc = await asyncio.create_subprocess_exec(SWITCHBOARD, "pair", *args, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_an_unknown_user_gets_a_code_and_the_operator_approves_it_from_another_process(
        start_bot: StartBot, redis_url: str, prefix: str, tmp_path: Path) -> None:
    bot = await start_bot(access_policy="pairing", telegram_drafts=False)
    bot.say("hello bot", first_name="Nina")
    await bot.fake.wait_for(lambda: bot.fake.final_texts(PRIVATE_CHAT), what="the pairing code")
    [line] = bot.fake.final_texts(PRIVATE_CHAT)
    match = CODE.search(line)
    assert match, line
    code = match.group(1)
    assert bot.model.chat_requests() == []

    status, out, err = await _pair(["list"], redis_url, prefix, tmp_path)
    assert status == 0, err
    assert re.search(rf"^  {code}  telegram:{PRIVATE_CHAT}  Nina  \(expires in (59|60) min\)$", out, re.M), out
    status, out, err = await _pair(["approve", code], redis_url, prefix, tmp_path)
    assert (status, out.strip()) == (0, f"Approved telegram:{PRIVATE_CHAT} (Nina): their next message goes through.")
    status, _, err = await _pair(["approve", code], redis_url, prefix, tmp_path)  # used up
    assert status == 1 and "no pending code" in err and "Traceback" not in err

    bot.say("now may I?")
    await bot.reply_is(PRIVATE_CHAT, line, "You said: now may I?")
    status, out, _ = await _pair(["list"], redis_url, prefix, tmp_path)
    assert f"telegram:{PRIVATE_CHAT}  Nina  (by cli, " in out
    status, out, _ = await _pair(["revoke", f"telegram:{PRIVATE_CHAT}"], redis_url, prefix, tmp_path)
    assert (status, out.strip()) == (0, f"Revoked telegram:{PRIVATE_CHAT}.")
    status, _, err = await _pair(["revoke", "nobody"], redis_url, prefix, tmp_path)
    assert status == 2 and "PLATFORM:USER_ID" in err


async def test_a_low_daily_budget_answers_until_spent_then_says_when_it_resets(start_bot: StartBot) -> None:
    bot = await start_bot(user_daily_tokens=30, telegram_drafts=False)
    asked = 0
    while not any(t.startswith("You have used") for t in bot.fake.final_texts(PRIVATE_CHAT)):
        asked += 1
        bot.say(f"question {asked}")
        await bot.fake.wait_for(lambda n=asked: len(bot.fake.final_texts(PRIVATE_CHAT)) == n, what=f"answer {asked}")
        await bot.gateway.join()
        assert asked < 10
    assert len(bot.model.chat_requests()) == asked - 1 >= 1
    assert re.fullmatch(r"You have used today's 30 tokens\. Your budget resets at 00:00 UTC \(in .+\); see /usage\.",
                        bot.fake.final_texts(PRIVATE_CHAT)[-1])
    bot.say("/usage")
    await bot.fake.wait_for(lambda: len(bot.fake.final_texts(PRIVATE_CHAT)) == asked + 1, what="/usage")
    usage = bot.fake.final_texts(PRIVATE_CHAT)[-1]
    assert re.match(r"Today: (3\d|[4-9]\d) tokens of 30 \(0 left\); resets at 00:00 UTC", usage), usage


async def test_start_up_warns_when_the_bot_is_open_to_everyone(
        start_bot: StartBot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        bot = await start_bot()
    registered = {c["command"] for c in bot.fake.commands["default:"]}
    assert "model" in registered and not registered & {"stats", "approve", "quota"}  # the menu shows no admin's
    assert any(r.getMessage().startswith("ACCESS_POLICY=open: telegram answers everyone who writes")
               for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await start_bot(telegram_allowed_users="5")
    assert not any("ACCESS_POLICY" in r.getMessage() for r in caplog.records)

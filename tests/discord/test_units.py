"""Small pieces on their own: notice paging, thread names, the fake's ping rule."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bots.discord.outlet import NoticePages
from bots.discord.threads import thread_name
from core.outlet import PlatformRetryAfter
from core.types import Choice
from tests.fakes.discord_models import would_ping


async def test_a_notice_retried_after_a_429_resumes_after_the_pages_already_sent() -> None:
    sent: list[str] = []
    refusals = [PlatformRetryAfter(1.0)]

    async def post(text: str, choices: Sequence[Choice]) -> str:
        if len(sent) == 1 and refusals:
            raise refusals.pop()
        sent.append(text)
        return str(len(sent))

    notices = NoticePages()
    text = "a" * 1500 + "\n\n" + "b" * 1500
    with pytest.raises(PlatformRetryAfter):
        await notices.deliver(text, (), post)
    await notices.deliver(text, (), post)
    assert [page[0] for page in sent] == ["a", "b"]
    await notices.deliver(text, (), post)  # the same notice again is a new notice: sent whole
    assert [page[0] for page in sent] == ["a", "b", "a", "b"]


def test_thread_names_come_from_the_first_line() -> None:
    assert thread_name("  plan a trip\nwith details", "alice") == "plan a trip"
    assert thread_name("", "alice") == "Chat with alice"
    long = thread_name("x" * 200, "alice")
    assert len(long) == 80 and long.endswith("…")


def test_the_fakes_ping_rule_follows_discord() -> None:
    content = "@everyone <@123> <@&456> hi"
    assert would_ping(content, None) == ["@everyone", "<@123>", "<@&456>"]  # no allowed_mentions: all
    assert would_ping(content, {"parse": []}) == []
    assert would_ping(content, {"parse": ["users"]}) == ["<@123>"]
    assert would_ping(content, {"parse": [], "roles": ["456"]}) == ["<@&456>"]

"""The pure rules under the adapter: addressing, mention stripping, button data, allowlists."""

from __future__ import annotations

import pytest
from aiogram.types import MessageEntity

from bots.access import AccessList
from bots.telegram.addressing import BotIdentity, strip_mentions
from bots.telegram.formatting import formatted
from bots.telegram.keyboards import callback_data, resolve
from core.types import SenderFacts
from tests.helpers import inbound

ME = BotIdentity(4242, "switchboard_bot")


def _mention(text: str, handle: str) -> list[MessageEntity]:
    start = len(text[: text.index(handle)].encode("utf-16-le")) // 2
    return [MessageEntity(type="mention", offset=start, length=len(handle))]


@pytest.mark.parametrize(("text", "handle", "expected"), [
    ("@switchboard_bot what is 2+2", "@switchboard_bot", "what is 2+2"),
    ("@Switchboard_Bot, hi", "@Switchboard_Bot", "hi"),
    ("tell me 🙂 @switchboard_bot about UTF-16", "@switchboard_bot", "tell me 🙂 about UTF-16"),
    ("ask @other_bot instead", "@other_bot", "ask @other_bot instead"),
])
def test_only_our_mention_is_stripped(text: str, handle: str, expected: str) -> None:
    assert strip_mentions(text, _mention(text, handle), ME) == expected


async def test_button_data_fits_64_bytes_and_resolves_statelessly() -> None:
    short, long_ = "/model gpt-4o", "/model " + "x" * 80

    async def catalog() -> list[str]:
        return [short, long_]

    assert callback_data(short) == short
    assert len(callback_data(long_).encode()) <= 64
    assert await resolve(callback_data(long_), catalog) == long_
    assert await resolve(callback_data(short), catalog) == short
    assert await resolve("#unknown", catalog) is None
    assert await resolve(None, catalog) is None


def test_allowlists() -> None:
    everyone = AccessList.parse()
    assert everyone.allows(inbound("hi", user="1"))
    rules = AccessList.parse(users=" 1 , @Alice", chats="-100")
    assert rules.allows(inbound("hi", user="1"))
    assert rules.allows(inbound("hi", user="2", sender=SenderFacts(username="alice")))
    assert rules.allows(inbound("hi", user="3", chat="-100"))
    assert not rules.allows(inbound("hi", user="alice"))  # a display name is not a username
    assert not rules.allows(inbound("hi", user="3", chat="-200"))


def test_formatting_falls_back_to_plain_when_conversion_grows_too_long() -> None:
    body = formatted("**bold**")
    assert body.text == "bold" and body.formatted
    rules = "\n\n".join(["---"] * 1300)  # each rule renders as 8 characters
    assert formatted(rules).text == rules and not formatted(rules).formatted

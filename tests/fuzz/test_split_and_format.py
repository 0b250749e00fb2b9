"""The splitter and the formatters on hostile Markdown: pages within the platform's limit, nothing
lost, fences closed on every page, conversions that never fail a reply (nor log a traceback)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.slack.formatting import SECTION_MAX, plain_sections, to_mrkdwn
from bots.telegram.formatting import MAX_TEXT, formatted
from core.reply.split import split_pages, utf16_len
from tests.fuzz.driver import watching_logs
from tests.fuzz.strategies import hostile_text, markdownish

pytestmark = pytest.mark.fuzz

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


def _open_fence(text: str) -> bool:
    """Whether a code fence is still open at the end (an opening line with or without info,
    closed by a bare fence line)."""
    open_ = False
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m and (not open_ or not m.group(2).strip()):
            open_ = not open_
    return open_


def _ink(text: str) -> str:
    return "".join(text.split())


def _in_order(needle: str, haystack: str) -> bool:
    """Every character of needle appears in haystack, in order (the splitter only adds fences)."""
    found = iter(haystack)
    return all(ch in found for ch in needle)


@given(markdownish, st.integers(40, 5000))
def test_pages_fit_the_limit_lose_nothing_and_close_their_fences(text: str, limit: int) -> None:
    pages = split_pages(text, limit)
    assert all(utf16_len(page) <= limit for page in pages)
    assert _in_order(_ink(text), _ink("".join(pages)))
    if text.strip():
        assert all(page.strip() for page in pages)
    fence_lines = [line for line in text.split("\n") if _FENCE.match(line)]
    if not _open_fence(text) and all(len(line) < limit // 4 for line in fence_lines):
        assert not any(_open_fence(page) for page in pages)  # (a fence line near a page long cannot be)


@given(st.lists(st.one_of(hostile_text, markdownish), max_size=4).map("".join), st.integers(40, 400))
def test_lone_surrogates_and_astral_characters_never_break_a_split(text: str, limit: int) -> None:
    assert all(utf16_len(page) <= limit for page in split_pages(text, limit))


@given(markdownish)
def test_telegram_formatting_fits_or_falls_back_and_entities_stay_inside(markdown: str) -> None:
    with watching_logs() as logs:
        for page in split_pages(markdown, MAX_TEXT):
            body = formatted(page)
            size = utf16_len(body.text)
            assert size <= MAX_TEXT
            for entity in body.entities:
                assert 0 <= entity.offset and entity.length > 0 and entity.offset + entity.length <= size
    assert logs.bad == []


@given(markdownish)
def test_slack_formatting_never_fails_and_sections_fit(markdown: str) -> None:
    with watching_logs() as logs:
        assert isinstance(to_mrkdwn(markdown), str)
        assert all(len(block["text"]["text"]) <= SECTION_MAX for block in plain_sections(markdown))
    assert logs.bad == []

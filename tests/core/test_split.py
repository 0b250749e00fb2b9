"""Long replies become several messages, each within the limit, code fences kept whole."""

from __future__ import annotations

from core.reply.split import split_pages, utf16_len


def test_short_text_is_one_page() -> None:
    assert split_pages("hello", 100) == ["hello"]


def test_pages_respect_the_limit_and_keep_every_word() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 80 for i in range(40)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    pages = split_pages(text, 4096)
    assert len(pages) > 1
    assert all(utf16_len(p) <= 4096 for p in pages)
    assert " ".join(pages).split() == text.split()


def test_cut_prefers_a_paragraph_boundary() -> None:
    first = "a" * 3000
    text = first + "\n\n" + "b" * 3000
    pages = split_pages(text, 4096)
    assert pages == [first, "b" * 3000]


def test_a_code_block_cut_in_two_is_closed_and_reopened() -> None:
    code = "\n".join(f"print({i})" for i in range(600))
    text = "Here:\n```python\n" + code + "\n```\nDone."
    pages = split_pages(text, 2000)
    assert len(pages) >= 3
    for page in pages[:-1]:
        assert page.count("```") % 2 == 0, "every page has balanced fences"
    assert all(p.startswith("```python") for p in pages[1:-1])
    lines = [ln for p in pages for ln in p.split("\n") if ln.startswith("print(")]
    assert lines == code.split("\n")


def test_utf16_counting_keeps_emoji_pages_under_the_limit() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    pages = split_pages(text, 4096)
    assert all(utf16_len(p) <= 4096 for p in pages)
    assert "".join(pages) == text


def test_text_without_spaces_is_hard_cut() -> None:
    text = "x" * 10_000
    pages = split_pages(text, 2000)
    assert "".join(pages) == text and all(len(p) <= 2000 for p in pages)


def test_a_fence_line_longer_than_a_page_still_ends() -> None:
    # Found by `make fuzz`: reopening the fence on every page made the text grow for ever.
    for opener in ("```" + "x" * 100, "`" * 1000):
        text = opener + "\ncode line\n" + opener[:3]
        pages = split_pages(text, 40)
        assert all(utf16_len(p) <= 40 for p in pages)
        assert "".join(text.split()) in "".join("".join(pages).split())


def test_a_long_opening_line_is_reopened_as_its_backticks() -> None:
    code = "\n".join(f"line {i}" for i in range(80))
    pages = split_pages("```python title=" + "t" * 60 + "\n" + code + "\n```", 200)
    assert [p.split("\n", 1)[0] for p in pages[1:]] == ["```"] * (len(pages) - 1)


def test_a_page_never_starts_with_backticks_that_were_mid_line() -> None:
    # Found by `make fuzz`: a cut just before " ```python" made the next page open a code block.
    text = "0" * 30 + " ```python inline, not a fence\n"
    pages = split_pages(text, 40)
    assert not any(p.lstrip(" ").startswith("```") for p in pages[1:])

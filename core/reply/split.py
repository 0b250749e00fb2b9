"""Split a long reply into messages at paragraph or line boundaries, fences kept whole."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_CLOSE = "\n```"
MAX_REOPENED = 40  # a longer opening line ("```python title=...") is reopened as its backticks alone


def utf16_len(text: str) -> int:
    """Telegram and Discord count UTF-16 code units; this never undercounts for Slack.
    A lone surrogate (half a pair, from a JSON escape) counts as the one unit it is."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _prefix_fitting(text: str, limit: int) -> int:
    """Largest number of characters from the start whose UTF-16 length is <= limit."""
    if utf16_len(text) <= limit:
        return len(text)
    lo, hi = 0, min(len(text), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if utf16_len(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _open_fence(text: str) -> str | None:
    """The opening fence line still open at the end of text, if any."""
    opening: str | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if not m:
            continue
        if opening is None:
            opening = line.strip()
        elif not m.group(2).strip():
            opening = None
    return opening


def _reopening(fence: str | None, cut: int) -> str | None:
    """The line that reopens a fence on the next page: the opening line, or just its backticks
    when the line is long; None when even that would not leave less text to split (each page
    must use up more text than it adds, or a long fence line would be reopened for ever)."""
    if fence is None:
        return None
    match = _FENCE.match(fence)
    line = fence if len(fence) <= MAX_REOPENED else (match.group(1) if match else fence)
    return line if len(line) + 1 < cut else None


def _opens_fence(text: str, at: int) -> bool:
    """Whether a page starting at `at` would start with a fence line (indented or not)."""
    while at < len(text) and text[at] in " \t":
        at += 1
    return text.startswith(("```", "~~~"), at)


def _cut_point(text: str, size: int) -> int:
    """Where to end a page within text[:size]: paragraph, else line, else word, else hard; never
    where the next page would start with ``` that was not a line of its own (it would open a fence)."""
    window = text[:size]
    floor = len(window) // 2  # a boundary in the first half wastes too much of the page
    for sep in ("\n\n", "\n", " "):
        at = window.rfind(sep, floor)
        while at >= floor:
            cut = at + len(sep)
            if sep != " " or not _opens_fence(text, cut):
                return cut
            at = window.rfind(sep, floor, at)
    cut = len(window)
    while cut > floor and _opens_fence(text, cut):
        cut -= 1
    return cut


def split_pages(text: str, limit: int) -> list[str]:
    """Pages each within `limit`; a code block cut in two is closed and reopened."""
    if limit <= len(_CLOSE) + 16:
        raise ValueError("limit too small to split")
    pages: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, _prefix_fitting(rest, limit - len(_CLOSE)))
        page, rest = rest[:cut], rest[cut:]
        fence = _reopening(_open_fence(page), cut)
        page = page.rstrip("\n")
        if fence is not None:
            page += _CLOSE
            rest = fence + "\n" + rest
        if page.strip():
            pages.append(page)
    if rest.strip() or not pages:
        pages.append(rest)
    return pages

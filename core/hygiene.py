"""Text from outside, made safe to store, show and send: control characters out, echoes short.

Null bytes and other C0/C1 control characters (tab and newline excepted) mean nothing to a
model and break some endpoints and terminals; a lone UTF-16 surrogate (JSON allows "\\ud800")
cannot even be encoded as UTF-8. Carriage returns become newlines.
"""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?")
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
ECHO_CHARS = 40  # how much of a user's argument we repeat back


def clean_text(text: str) -> str:
    """The text without control characters (newline and tab kept) or lone surrogates."""
    if text.isprintable():  # the common case: nothing to do, no regex pass
        return text
    return _UNWANTED.sub("", _NEWLINES.sub("\n", text))


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    """At most `limit` characters of one line, "…" marking a cut."""
    line = clean_text(text).replace("\n", " ").replace("\t", " ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def quoted(text: str, limit: int = ECHO_CHARS) -> str:
    """A user's argument as we echo it: shortened, in quotes."""
    return f"'{shorten(text, limit)}'"

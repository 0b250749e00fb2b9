"""What the fuzz tests generate: hostile text, JSON of any shape, and malformed bodies."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

# Pieces that break parsers and splitters: markup, mentions, commands, fences, entities' edges.
FRAGMENTS = (
    "```", "```python\n", "~~~", "`", "**", "__", "*", "_", "~", "||", "[", "](", ")", "<", ">", "&", "#",
    "> ", "- ", "1. ", "|---|", "\\", "\n", "\n\n", "\t", " ", "@switchboard_bot", "/model", "/ask ",
    "/start@switchboard_bot", "<@U0BOT>", "<@U0BOT|bot>", "<!channel>", "<@&1>", "@everyone",
    "https://x.example/a_b*c", "👩‍💻", "🇫🇷", "😀", "e\u0301", "\u200d", "\u202e", "\ufeff", "\x00", "\x1b[31m",
    "\r\n", "日本語", "\U0001d54f",
)

surrogates = st.characters(categories=["Cs"])  # lone halves: JSON's "\ud83d" gives them to Python
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12), st.text(surrogates, max_size=2)),
    max_size=40,
).map("".join)
markdownish = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30), st.just("\n" * 3), st.text("x ", max_size=200)),
    max_size=80,
).map("".join).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t))

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False),
                         st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)


def wrong_type(accepted: tuple[type, ...]) -> st.SearchStrategy[Any]:
    """JSON values of none of the accepted types (bool is not an int here, whatever Python says)."""
    def not_accepted(value: Any) -> bool:
        if isinstance(value, bool):
            return bool not in accepted
        return not isinstance(value, accepted)

    return json_values.filter(not_accepted)


def _paths(data: Any, where: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every field of a payload, at any depth: dict keys and list indices."""
    inner: list[tuple[str, Any]] | list[tuple[int, Any]]
    if isinstance(data, dict):
        inner = list(data.items())
    elif isinstance(data, list):
        inner = list(enumerate(data))
    else:
        return []
    found: list[tuple[str | int, ...]] = []
    for key, value in inner:
        found += [(*where, key), *_paths(value, (*where, key))]
    return found


@st.composite
def spoiled(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any], changes: int = 4) -> Any:
    """A real payload with up to `changes` of its fields, at any depth (a whole object or list
    too), given another value or removed: the shape a platform sends, with what it never sends."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, changes))):
        found = _paths(data)
        if not found:
            break
        path = draw(st.sampled_from(found))
        holder = data
        for key in path[:-1]:
            holder = holder[key]
        if draw(st.integers(0, 4)) == 0:
            del holder[path[-1]]
        else:
            holder[path[-1]] = draw(values)
    return data


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Bodies that are not even a JSON object: what every JSON route must refuse with a 4xx.
not_an_object = st.one_of(
    st.binary(max_size=200).filter(lambda b: not b.strip().startswith(b"{")),  # mostly not JSON at all
    st.binary(min_size=1, max_size=50).map(lambda b: b"{" + b + b"\xff"),  # invalid UTF-8
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.integers(1000, 60_000).map(deep),
    st.integers(1000, 60_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(1000, 100_000).map(lambda n: b'"' + b"x" * n),  # an unterminated string
    st.just(b"x" * 1_000_000),  # 1 MB of text
)


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()

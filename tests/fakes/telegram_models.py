"""Records and text rules for the fake Telegram Bot API in ``telegram_api.py``.

Text lengths and entity offsets are counted in UTF-16 code units, as the Bot API documents
for entities; the 4096-character limit is applied to that same count after parsing.
The parse_mode checks are deliberately light: deterministic errors for obviously broken
markup, not a full reimplementation of Telegram's parser.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_RICH = 32_768  # a rich message's Markdown (Bot API 10.1)


class TelegramError(Exception):
    """An error reply, shaped exactly like the Bot API's JSON error body."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> TelegramError:
    return TelegramError(HTTPStatus.BAD_REQUEST, f"Bad Request: {detail}")


@dataclass
class Call:
    """One finished HTTP request to the fake (recorded once the reply is known)."""

    method: str
    params: JSON
    at: float
    status: int = 200
    result: Any = None
    error: str | None = None

    def __str__(self) -> str:
        shown = {k: v for k, v in self.params.items() if not isinstance(v, UploadedFile)}
        outcome = "ok" if self.error is None else self.error
        return f"{self.method} {shown} -> {self.status} {outcome}"


@dataclass(frozen=True)
class Version:
    """One state of a message's content; edits append a new one."""

    text: str
    entities: list[JSON]
    reply_markup: JSON | None
    at: float


@dataclass
class SentMessage:
    """A message the bot sent, with every version it has had (oldest first)."""

    chat_id: int
    message_id: int
    date: int
    versions: list[Version]
    kind: str = "text"
    photo: list[JSON] | None = None
    message_thread_id: int | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def text(self) -> str:
        return self.versions[-1].text

    @property
    def entities(self) -> list[JSON]:
        return self.versions[-1].entities

    @property
    def reply_markup(self) -> JSON | None:
        return self.versions[-1].reply_markup

    @property
    def edit_count(self) -> int:
        return len(self.versions) - 1


@dataclass(frozen=True)
class Draft:
    """One sendMessageDraft frame."""

    chat_id: int
    draft_id: int
    text: str
    entities: list[JSON]
    message_thread_id: int | None
    at: float
    can_stop: bool = False  # Telegram shows a Stop button under it
    keep_on_stop: bool = False  # the draft stays when Stop is pressed


@dataclass(frozen=True)
class Violation:
    """A send/edit refused by the flood model."""

    chat_id: int
    method: str
    at: float
    wait: float  # seconds the flood rule wanted before this call
    retry_after: int


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part, substituted for its ``attach://`` reference."""

    filename: str
    content_type: str
    data: bytes


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Builder:
    """Collects parsed plain text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JSON] = []

    def emit(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def add(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:  # Telegram drops empty entities
            length = self.pos - start
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[JSON]]:
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def _cant_parse(detail: str) -> TelegramError:
    return bad_request(f"can't parse entities: {detail}")


def _byte(src: str, index: int) -> int:
    return len(src[:index].encode())


_MD_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD_V2_STYLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
                 "||": "spoiler"}
_MD_V1_STYLES = {"*": "bold", "_": "italic"}
_MD_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough",
             "||": "Spoiler", "[": "TextUrl"}


def _unclosed(marker: str, src: str, index: int) -> TelegramError:
    return _cant_parse(f"Can't find end of {_MD_NAMES[marker]} entity at byte offset "
                       f"{_byte(src, index)}")


def _find_unescaped(src: str, delim: str, start: int, v2: bool) -> int:
    k = start
    while k < len(src):
        if v2 and src[k] == "\\":
            k += 2
            continue
        if src.startswith(delim, k):
            return k
        k += 1
    return -1


def _unescape(chunk: str, v2: bool) -> str:
    return re.sub(r"\\(.)", r"\1", chunk, flags=re.DOTALL) if v2 else chunk


def parse_markdown(src: str, *, v2: bool = True) -> tuple[str, list[JSON]]:
    """Light MarkdownV2 (or legacy Markdown) parser: styles, code, pre, links, quotes."""
    out = _Builder()
    styles = _MD_V2_STYLES if v2 else _MD_V1_STYLES
    stack: list[tuple[str, int, int]] = []  # (marker, text offset, source index)
    quote_start: int | None = None
    i = 0
    while i < len(src):
        c = src[i]
        if v2 and c == "\\" and i + 1 < len(src):
            out.emit(src[i + 1])
            i += 2
            continue
        if v2 and c == ">" and (i == 0 or src[i - 1] == "\n"):
            quote_start = out.pos if quote_start is None else quote_start
            i += 1
            continue
        if c == "`":
            delim = "```" if src.startswith("```", i) else "`"
            end = _find_unescaped(src, delim, i + len(delim), v2)
            if end < 0:
                name = "Pre" if delim == "```" else "Code"
                raise _cant_parse(f"Can't find end of {name} entity at byte offset {_byte(src, i)}")
            body, extra = src[i + len(delim) : end], {}
            first, newline, rest = body.partition("\n")
            if delim == "```" and newline and re.fullmatch(r"[\w+#-]+", first):
                body, extra = rest, {"language": first}
            start = out.pos
            out.emit(_unescape(body, v2))
            out.add("pre" if delim == "```" else "code", start, **extra)
            i = end + len(delim)
            continue
        if c == "[":
            stack.append(("[", out.pos, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, opened = stack.pop()
            end = _find_unescaped(src, ")", i + 2, v2) if src.startswith("(", i + 1) else -1
            if end < 0:
                raise _unclosed("[", src, opened)
            out.add("text_link", start, url=_unescape(src[i + 2 : end], v2))
            i = end + 1
            continue
        marker = next((m for m in ("__", "||") if v2 and src.startswith(m, i)), None)
        marker = marker or (c if c in styles else None)
        if marker:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                out.add(styles[marker], start)
            elif any(m == marker for m, _, _ in stack):  # crossing entities
                raise _unclosed(stack[-1][0], src, stack[-1][2])
            else:
                stack.append((marker, out.pos, i))
            i += len(marker)
            continue
        if v2 and c in _MD_RESERVED:
            raise _cant_parse(f"Character '{c}' is reserved and must be escaped with the "
                              "preceding '\\'")
        if c == "\n" and quote_start is not None and not src.startswith(">", i + 1):
            out.add("blockquote", quote_start)
            quote_start = None
        out.emit(c)
        i += 1
    if stack:
        raise _unclosed(stack[0][0], src, stack[0][2])
    if quote_start is not None:
        out.add("blockquote", quote_start)
    return out.result()


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
              "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
              "tg-emoji": "custom_emoji"}
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ATTR_RE = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")


def parse_html(src: str) -> tuple[str, list[JSON]]:
    """Light HTML parser for Telegram's tag subset; unknown or unbalanced tags are errors."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []  # (tag, text offset, attributes)
    i = 0
    while i < len(src):
        lt = src.find("<", i)
        out.emit(html.unescape(src[i : lt if lt >= 0 else len(src)]))
        if lt < 0:
            break
        tag = _TAG_RE.match(src, lt)
        if tag is None:
            raise _cant_parse(f"Unsupported start tag at byte offset {_byte(src, lt)}")
        name = tag[2].lower()
        attrs = {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "")
                 for m in _ATTR_RE.finditer(tag[3])}
        if not tag[1]:
            if name not in _HTML_TAGS or (name == "span" and attrs.get("class") != "tg-spoiler"):
                raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {_byte(src, lt)}')
            stack.append((name, out.pos, attrs))
        else:
            if not stack:
                raise _cant_parse(f"Unexpected end tag at byte offset {_byte(src, lt)}")
            opened, start, open_attrs = stack.pop()
            if opened != name:
                raise _cant_parse(f'Unmatched end tag at byte offset {_byte(src, lt)}, '
                                  f'expected "</{opened}>", found "</{name}>"')
            _close_html(out, opened, start, open_attrs, stack)
        i = tag.end()
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(out: _Builder, tag: str, start: int, attrs: dict[str, str],
                stack: list[tuple[str, int, dict[str, str]]]) -> None:
    kind = _HTML_TAGS[tag]
    language = attrs.get("class", "").removeprefix("language-")
    if tag == "code" and stack and stack[-1][0] == "pre" and attrs.get("class", "") != language:
        stack[-1][2]["language"] = language  # <pre><code class="language-x"> is one pre entity
    elif tag == "a":
        out.add(kind, start, url=attrs.get("href", ""))
    elif tag == "tg-emoji":
        out.add(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
    elif tag == "blockquote":
        out.add("expandable_blockquote" if "expandable" in attrs else kind, start)
    elif tag == "pre" and attrs.get("language"):
        out.add(kind, start, language=attrs["language"])
    else:
        out.add(kind, start)


def check_entities(text: str, entities: Any) -> list[JSON]:
    """Explicit entities must be well-formed and lie inside the text (UTF-16 units)."""
    if not isinstance(entities, list):
        raise _cant_parse("entities must be an array")
    size = utf16_len(text)
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise _cant_parse("entity type is not specified")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 1:
            raise _cant_parse(f"invalid offset or length of {entity['type']} entity")
        if offset + length > size:
            raise _cant_parse(f"{entity['type']} entity at offset {offset} ends beyond the text")
    return entities


def render_text(params: JSON, key: str = "text", *, limit: int = MAX_TEXT,
                allow_empty: bool = False) -> tuple[str, list[JSON]]:
    """Applies parse_mode/entities to params[key] and validates emptiness and length."""
    raw = params.get(key)
    raw = "" if raw is None else str(raw)
    mode = str(params.get("parse_mode") or "").lower()
    entities_key = "entities" if key == "text" else "caption_entities"
    if params.get(entities_key) is not None:
        text, entities = raw, check_entities(raw, params[entities_key])
    elif mode == "markdownv2":
        text, entities = parse_markdown(raw)
    elif mode == "markdown":
        text, entities = parse_markdown(raw, v2=False)
    elif mode == "html":
        text, entities = parse_html(raw)
    elif mode:
        raise bad_request(f"unsupported parse_mode {params['parse_mode']!r}")
    else:
        text, entities = raw, []
    if not text.strip() and not allow_empty and key == "text":
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return text, entities

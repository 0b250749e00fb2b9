"""Telegram updates as the Bot API sends them, with hostile values, for the fuzz tests: users,
chats, entities, messages with text or any media (photo, voice note, audio, document, video,
sticker; alone or in an album), their fields now and then of a wrong type."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from bots.telegram.addressing import BotIdentity
from tests.fuzz.strategies import hostile_text, json_values

ME = BotIdentity(4242, "switchboard_bot")
KINDS = ("mention", "bot_command", "text_mention", "bold", "code", "pre", "url", "text_link", "hashtag")


@st.composite
def entity(draw: st.DrawFn, size: int) -> dict[str, Any]:
    data: dict[str, Any] = {"type": draw(st.sampled_from(KINDS)), "offset": draw(st.integers(-2, size + 3)),
                            "length": draw(st.integers(0, size + 3))}
    if data["type"] == "text_mention":
        data["user"] = {"id": draw(st.sampled_from([ME.id, 7])), "is_bot": False, "first_name": "x"}
    if data["type"] == "text_link":
        data["url"] = "https://example.com"
    return data


@st.composite
def user(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {"id": draw(st.sampled_from([7, 1001, ME.id])), "is_bot": draw(st.booleans()),
                             "first_name": draw(hostile_text), "last_name": draw(st.none() | hostile_text)}
    if draw(st.booleans()):
        found["username"] = draw(st.sampled_from(["alice", "switchboard_bot", "x" * 40]))
    return found


def or_wrong(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value of the type Telegram sends; one time in 20 one of any JSON shape (aiogram refuses
    most: rarer, or few messages would get past it)."""
    return st.integers(0, 19).flatmap(lambda n: json_values if n == 0 else valid)


sizes = or_wrong(st.none() | st.integers(-(2**63), 2**70))
file_ids = or_wrong(st.sampled_from(["AgACAgIAAxkBAAIBZ2", "", "x" * 300]) | hostile_text)
mime_types = or_wrong(st.none() | st.sampled_from(["audio/ogg", "audio/mpeg", "image/png", "application/pdf",
                                                    "text/plain; charset=utf-8", "video/mp4", ""]) | hostile_text)
file_names = or_wrong(st.none() | st.sampled_from(["report.pdf", ".txt", "a" * 300]) | hostile_text)


@st.composite
def a_file(draw: st.DrawFn, **extra: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A file as Telegram describes it (file_id, file_unique_id, file_size...), hostile values in."""
    found = {"file_id": draw(file_ids), "file_unique_id": draw(file_ids), "file_size": draw(sizes)}
    found |= {key: draw(value) for key, value in extra.items()}
    return {key: value for key, value in found.items() if value is not None or draw(st.booleans())}


pixels = or_wrong(st.integers(-1, 2**40))
seconds = or_wrong(st.integers(-1, 2**31))
MEDIA_KINDS: dict[str, st.SearchStrategy[Any]] = {
    "photo": st.lists(a_file(width=pixels, height=pixels), max_size=4),
    "voice": a_file(duration=seconds, mime_type=mime_types),
    "audio": a_file(duration=seconds, mime_type=mime_types, file_name=file_names, title=st.none() | hostile_text),
    "document": a_file(mime_type=mime_types, file_name=file_names),
    "video": a_file(width=pixels, height=pixels, duration=seconds, mime_type=mime_types),
    "sticker": a_file(width=pixels, height=pixels, type=st.just("regular"), is_animated=st.booleans(),
                      is_video=st.booleans()),
}
READ = ("photo", "voice", "audio", "document")  # what becomes an attachment (bots/telegram/files.py)


@st.composite
def chat(draw: st.DrawFn, chat_type: str | None = None) -> dict[str, Any]:
    kind = chat_type or draw(st.sampled_from(["private", "group", "supergroup", "channel"]) | hostile_text)
    found: dict[str, Any] = {"id": 1001 if kind == "private" else draw(st.sampled_from([-1002003004005, 0]) |
                                                                     st.integers(-(2**63), 2**63)),
                             "type": kind}
    if kind != "private":
        found["title"] = draw(hostile_text)
    if draw(st.booleans()):
        found |= {"username": draw(hostile_text), "first_name": draw(hostile_text)}
    return found


@st.composite
def message(draw: st.DrawFn, depth: int = 1) -> dict[str, Any]:
    chat_type = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    data: dict[str, Any] = {"message_id": draw(st.integers(1, 2**31)), "date": 1700000000,
                            "chat": draw(chat(chat_type)), "from": draw(user())}
    text = draw(hostile_text)
    size = len(text.encode("utf-16-le", "surrogatepass")) // 2
    entities = draw(st.lists(entity(size), max_size=4))
    kind = draw(st.sampled_from(["text", *MEDIA_KINDS]))
    if kind == "text":
        data |= {"text": text, "entities": entities}
    else:
        data[kind] = draw(MEDIA_KINDS[kind])
        if draw(st.booleans()):
            data |= {"caption": text, "caption_entities": entities}
        if draw(st.integers(0, 3)) == 0:
            data["media_group_id"] = draw(or_wrong(st.sampled_from(["13579246801357924", ""]) | hostile_text))
    if draw(st.booleans()):
        data |= {"message_thread_id": draw(st.integers(1, 99)), "is_topic_message": draw(st.booleans())}
    if depth and draw(st.booleans()):
        data["reply_to_message"] = draw(message(depth=0))
    if draw(st.integers(0, 9)) == 0:
        data["new_chat_members"] = [draw(user())]  # a service message
    return data


@st.composite
def album(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The messages of one album: one sender, one chat, one media_group_id; one caption at most."""
    items = draw(st.lists(message(depth=0), min_size=1, max_size=5))
    head = items[0]
    group = draw(st.sampled_from(["13579246801357924", ""]) | hostile_text)
    caption = draw(st.integers(0, len(items)))
    for n, item in enumerate(items):
        item |= {"chat": head["chat"], "from": head["from"], "media_group_id": group, "message_id": n + 1}
        item.pop("new_chat_members", None)
        if n != caption:
            item.pop("caption", None)
            item.pop("caption_entities", None)
    return items

"""Text from outside, made safe to store, show and send: control characters out, echoes short.

Every message passes `clean_inbound` first thing in the pipeline (core/pipeline/hygiene.py).

Null bytes and other C0/C1 control characters (tab and newline excepted) mean nothing to a
model and break some endpoints and terminals; a lone UTF-16 surrogate (JSON allows "\\ud800")
cannot even be encoded as UTF-8. Carriage returns become newlines.
"""

from __future__ import annotations

import dataclasses
import re

from core.types import Inbound

_NEWLINES = re.compile(r"\r\n?")
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
ECHO_CHARS = 40  # how much of a user's argument we repeat back


def clean_text(text: str) -> str:
    """The text without control characters (newline and tab kept) or lone surrogates."""
    if text.isprintable():  # the common case: nothing to do, no regex pass
        return text
    return _UNWANTED.sub("", _NEWLINES.sub("\n", text))


def clean_inbound(inbound: Inbound) -> Inbound:
    """The message with every string in it cleaned: the text, and ids, names, routes and files too
    (a lone surrogate in any of them could not be written to Redis)."""
    sender = inbound.sender
    files = [s for a in inbound.attachments for s in (a.ref, a.name, a.mime)]  # names are what the sender typed
    fields = (inbound.text, inbound.event_id, inbound.chat_id, inbound.user_id, inbound.thread_id or "",
              inbound.user_name, sender.username, sender.parent_chat, *sender.roles,
              *inbound.reply_route.keys(), *inbound.reply_route.values(), *files)
    if all(f.isprintable() for f in fields):  # the common case: one pass, no copies
        return inbound
    clean_sender = dataclasses.replace(sender, username=clean_text(sender.username),
                                       parent_chat=clean_text(sender.parent_chat),
                                       roles=tuple(clean_text(r) for r in sender.roles))
    return dataclasses.replace(
        inbound, text=clean_text(inbound.text), event_id=clean_text(inbound.event_id),
        chat_id=clean_text(inbound.chat_id), user_id=clean_text(inbound.user_id),
        thread_id=None if inbound.thread_id is None else clean_text(inbound.thread_id),
        user_name=clean_text(inbound.user_name), sender=clean_sender,
        reply_route={clean_text(k): clean_text(v) for k, v in inbound.reply_route.items()},
        attachments=tuple(dataclasses.replace(a, ref=clean_text(a.ref), name=clean_text(a.name),
                                              mime=clean_text(a.mime)) for a in inbound.attachments))


def paired(text: str) -> str:
    """Surrogate halves that belong together joined into their character (a model's stream can
    escape an emoji as two halves in two deltas), the lone ones replaced by U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    """At most `limit` characters of one line, "…" marking a cut."""
    line = clean_text(text).replace("\n", " ").replace("\t", " ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def quoted(text: str, limit: int = ECHO_CHARS) -> str:
    """A user's argument as we echo it: shortened, in quotes."""
    return f"'{shorten(text, limit)}'"

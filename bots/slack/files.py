"""Files shared with a message (`files` of the event), and fetching one from `url_private`,
which Slack serves only with the bot token (`Authorization: Bearer`, scope `files:read`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from core.media.download import read_capped
from core.outlet import AttachmentUnavailable
from core.types import Attachment, AttachmentKind

DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10)
CHUNK = 64 * 1024
_UNREADABLE_MODES = frozenset({"external", "tombstone", "hidden_by_limit"})  # links, deleted, over the plan's limit


def _str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def attachments_of(files: object) -> tuple[Attachment, ...]:
    """Hosted files and snippets of the event; a Slack audio clip counts as audio."""
    if not isinstance(files, Sequence) or isinstance(files, str):
        return ()  # a list is all Slack sends; a string's characters or a dict's keys are no files
    found: list[Attachment] = []
    for item in files:
        if not isinstance(item, Mapping):
            continue
        url = _str(item, "url_private_download") or _str(item, "url_private")
        if not url or _str(item, "mode") in _UNREADABLE_MODES:  # as a string: a list in `in` raised TypeError
            continue
        mime = _str(item, "mimetype").split(";", 1)[0].strip().lower()
        # An audio clip recorded in Slack is audio; the core sorts other files by their MIME type.
        kind: AttachmentKind = "audio" if item.get("subtype") == "slack_audio" else "file"
        size = item.get("size")
        found.append(Attachment(kind, url, _str(item, "name") or _str(item, "title"), mime,
                                size if type(size) is int else None))  # not True, which is an int too
    return tuple(found)


async def fetch(session: aiohttp.ClientSession | None, token: str, attachment: Attachment, max_bytes: int) -> bytes:
    """The file's bytes, read no further than `max_bytes`."""
    if session is None:
        raise AttachmentUnavailable("the Slack connection is closed")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        # No redirects: Slack answers a request it will not serve with a redirect to its sign-in page.
        async with session.get(attachment.ref, headers=headers, allow_redirects=False,
                               timeout=DOWNLOAD_TIMEOUT) as response:
            if response.status != 200:
                raise AttachmentUnavailable(f"url_private answered HTTP {response.status} "
                                            "(does the app have the files:read scope?)")
            if response.content_type == "text/html" and attachment.mime != "text/html":
                raise AttachmentUnavailable("url_private answered with a sign-in page (files:read scope missing?)")
            return await read_capped(response.content.iter_chunked(CHUNK), max_bytes,
                                     stated=response.content_length)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise AttachmentUnavailable(f"url_private download failed ({type(exc).__name__})") from None

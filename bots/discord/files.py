"""Message attachments (CDN url, content_type, size; voice messages flagged), and fetching one
from the CDN with discord.py's own HTTP client."""

from __future__ import annotations

import aiohttp
import discord

from core.outlet import AttachmentTooLarge, AttachmentUnavailable
from core.types import Attachment, AttachmentKind


def attachments_of(message: discord.Message) -> tuple[Attachment, ...]:
    """Every file of the message; a voice message (flag IS_VOICE_MESSAGE, OGG) counts as audio."""
    found: list[Attachment] = []
    for item in message.attachments:
        mime = (item.content_type or "").split(";", 1)[0].strip().lower()
        # A voice message is audio; the core sorts other files by their MIME type.
        kind: AttachmentKind = "audio" if item.is_voice_message() else "file"
        found.append(Attachment(kind, item.url, item.filename, mime or ("audio/ogg" if kind == "audio" else ""),
                                item.size))
    return tuple(found)


async def fetch(client: discord.Client, attachment: Attachment, max_bytes: int) -> bytes:
    """The attachment's bytes. Discord states every size truly, so the core's check before the
    download holds; the length is checked again all the same."""
    if attachment.size is not None and attachment.size > max_bytes:
        raise AttachmentTooLarge(max_bytes, attachment.size)
    try:
        data = await client.http.get_from_cdn(attachment.ref)
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        raise AttachmentUnavailable(f"CDN download failed ({type(exc).__name__}: {exc})") from None
    if len(data) > max_bytes:
        raise AttachmentTooLarge(max_bytes, len(data))
    return data

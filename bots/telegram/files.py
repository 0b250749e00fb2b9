"""Photos, voice notes, audio and documents: what a message carries (by file_id), and
fetching one with `getFile` then `GET {base}/file/bot<token>/<file_path>`."""

from __future__ import annotations

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import Message, PhotoSize

from core.media.download import read_capped
from core.outlet import AttachmentTooLarge, AttachmentUnavailable
from core.types import Attachment

DOWNLOAD_CAP = 20 * 1024 * 1024  # the Bot API gives bots files up to 20 MB
DOWNLOAD_TIMEOUT = 60  # seconds for one file
CHUNK = 64 * 1024


def largest_photo(sizes: list[PhotoSize]) -> PhotoSize:
    """Telegram sends each photo in several sizes: the largest one a bot may download."""
    fitting = [s for s in sizes if s.file_size is None or s.file_size <= DOWNLOAD_CAP] or sizes
    return max(fitting, key=lambda s: (s.width * s.height, s.file_size or 0))


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """What the core can read: a photo, a voice note, audio, a document (any file)."""
    if message.photo:
        photo = largest_photo(message.photo)
        return (Attachment("image", photo.file_id, mime="image/jpeg", size=photo.file_size),)
    if message.voice:
        voice = message.voice
        return (Attachment("audio", voice.file_id, "voice.ogg", voice.mime_type or "audio/ogg", voice.file_size),)
    if message.audio:
        audio = message.audio
        return (Attachment("audio", audio.file_id, audio.file_name or "audio.mp3", audio.mime_type or "",
                           audio.file_size),)
    if message.document:
        doc = message.document
        return (Attachment("file", doc.file_id, doc.file_name or "", doc.mime_type or "", doc.file_size),)
    return ()


async def fetch(bot: Bot, attachment: Attachment, max_bytes: int) -> bytes:
    """The file's bytes; never more than `max_bytes` read (AttachmentTooLarge past them)."""
    limit = min(max_bytes, DOWNLOAD_CAP)
    try:
        found = await bot.get_file(attachment.ref)
    except TelegramBadRequest as exc:
        if "too big" in exc.message.lower():  # "file is too big": over the 20 MB bot limit
            raise AttachmentTooLarge(limit, attachment.size) from None
        raise AttachmentUnavailable(f"getFile: {exc.message}") from None
    except TelegramAPIError as exc:
        raise AttachmentUnavailable(f"getFile: {exc}") from None
    if not found.file_path:
        raise AttachmentUnavailable("getFile gave no file_path")
    url = bot.session.api.file_url(bot.token, found.file_path)
    try:
        chunks = bot.session.stream_content(url, timeout=DOWNLOAD_TIMEOUT, chunk_size=CHUNK)
        return await read_capped(chunks, max_bytes, stated=found.file_size)
    except (aiohttp.ClientError, TimeoutError) as exc:
        # The URL holds the bot token: name the failure, never the URL.
        status = getattr(exc, "status", None)
        raise AttachmentUnavailable(f"file download failed ({type(exc).__name__}"
                                    f"{f' {status}' if status else ''})") from None

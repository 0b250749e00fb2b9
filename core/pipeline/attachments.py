"""What a message says, photos, voice notes and files included (a helper of answer.py).

Refusals that need no download come first: a stated size over the limit, a photo for a
model that reads text only, a voice note with no transcription model. Then each file is
fetched through the platform binding (the bytes live only for this answer), images become
image parts, voice notes their transcript, files their text. History keeps the words and
a marker such as `[photo: 1 image]`, never the bytes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from core.llm.base import ImagePart, ModelEvent
from core.llm.errors import ModelError
from core.media.documents import file_text, is_pdf, max_file_bytes, too_long
from core.media.images import IMAGE_TYPES, image_part
from core.media.images import READABLE as IMAGE_FORMATS
from core.media.refusal import MediaRefusal, size_text
from core.media.transcribe import AUDIO_MAX_BYTES, HOW_TO_ENABLE
from core.media.vision import image_readers, refused_as_too_big, refused_image, text_only_line
from core.outlet import AttachmentTooLarge, AttachmentUnavailable
from core.services import Core
from core.types import Attachment, AttachmentKind, Inbound

log = logging.getLogger(__name__)

QUOTE_CHARS = 600  # the transcript quoted above an answer; the model hears all of it


@dataclass(frozen=True)
class UserInput:
    """One message as the model gets it, and as history keeps it."""

    prompt: str  # the words, transcripts and file texts
    images: tuple[ImagePart, ...] = ()
    remembered: str = ""  # the words and a marker per attachment: what the history stores
    heard: str = ""  # transcripts of voice notes, quoted at the top of the answer


def kind_of(attachment: Attachment) -> AttachmentKind:
    """A file the platform sent as a document counts by its MIME type: images and audio too."""
    mime = attachment.mime.lower()
    if attachment.kind == "file" and mime in IMAGE_TYPES:
        return "image"
    if attachment.kind == "file" and mime.startswith("audio/"):
        return "audio"
    return attachment.kind


def _unreadable(attachment: Attachment, kind: AttachmentKind) -> MediaRefusal | None:
    """Files known unreadable by their MIME type alone (refused without a download)."""
    mime, name = attachment.mime.lower(), attachment.name or "This file"
    if kind == "file" and mime.startswith("image/") and not mime.startswith("image/svg"):
        return MediaRefusal(f"{name} is {mime}; the models take {IMAGE_FORMATS} images. Send it as one of those.")
    if kind == "file" and mime.startswith("video/"):
        return MediaRefusal(f"I cannot watch videos ({name}). Send a photo, a voice note or text instead.")
    return None


def _label(attachment: Attachment, kind: AttachmentKind) -> str:
    return attachment.name or {"image": "This photo", "audio": "This voice note", "file": "This file"}[kind]


def _limit(core: Core, attachment: Attachment, kind: AttachmentKind) -> int:
    settings = core.settings
    if kind == "image":
        return settings.image_max_bytes
    if kind == "audio":
        return AUDIO_MAX_BYTES
    return max_file_bytes(attachment.name, attachment.mime, settings.file_max_chars)


def _too_big(core: Core, attachment: Attachment, kind: AttachmentKind, size: int | None) -> MediaRefusal:
    label, limit = _label(attachment, kind), _limit(core, attachment, kind)
    stated = f" is {size_text(size)};" if size is not None else " is too big;"
    if kind == "image":
        return MediaRefusal(f"{label}{stated} I take images up to {size_text(limit)} (IMAGE_MAX_BYTES). "
                            "Send a smaller one.")
    if kind == "audio":
        return MediaRefusal(f"{label}{stated} I transcribe up to {size_text(limit)}. Send a shorter one.")
    if not is_pdf(attachment.name, attachment.mime):  # a text file: its size says it has too many characters
        return too_long(attachment.name, None, core.settings.file_max_chars)
    return MediaRefusal(f"{label}{stated} I read files up to {size_text(limit)}.")


async def read_input(inbound: Inbound, core: Core, model: str) -> UserInput:
    """The message for the model; MediaRefusal (the user's one line) when it cannot be answered."""
    words = inbound.text.strip()
    if not inbound.attachments:
        return UserInput(inbound.text, remembered=inbound.text)
    given = [(a, kind_of(a)) for a in inbound.attachments]
    for attachment, kind in given:  # refused before any download
        if (unreadable := _unreadable(attachment, kind)) is not None:
            raise unreadable
        if attachment.size is not None and attachment.size > _limit(core, attachment, kind):
            raise _too_big(core, attachment, kind, attachment.size)
    kinds = {kind for _, kind in given}
    if "image" in kinds and await core.catalog.vision(model) is False:
        raise MediaRefusal(await text_only_refusal(core, model))
    if "audio" in kinds and core.transcriber is None:
        raise MediaRefusal(HOW_TO_ENABLE)
    images: list[ImagePart] = []
    heard: list[str] = []
    files: list[str] = []
    markers: list[str] = []
    for attachment, kind in given:
        data = await _fetch(core, inbound, attachment, kind)
        if kind == "image":
            images.append(image_part(data, attachment.name))
        elif kind == "audio":
            heard.append(await _transcript(core, attachment, data))
            markers.append(f"[voice: {heard[-1]}]")
        else:
            text = await file_text(data, attachment.name, attachment.mime, core.settings.file_max_chars)
            name = (attachment.name or "file").replace('"', "'")
            files.append(f'<file name="{name}">\n{text}\n</file>')
            markers.append(f"[file: {attachment.name or 'file'}]")
    if images:
        markers.insert(0, f"[photo: {len(images)} image{'s' if len(images) != 1 else ''}]")
    prompt = "\n\n".join(part for part in (words, *heard, *files) if part)
    return UserInput(prompt, tuple(images), " ".join([*markers, words]).strip(), "\n\n".join(heard))


async def _fetch(core: Core, inbound: Inbound, attachment: Attachment, kind: AttachmentKind) -> bytes:
    try:
        return await core.binding(inbound).fetch(attachment, _limit(core, attachment, kind))
    except AttachmentTooLarge as exc:
        raise _too_big(core, attachment, kind, exc.size) from None
    except AttachmentUnavailable as exc:
        log.warning("could not download %s (%s) from %s (event %s): %s", attachment.name or "a file", kind,
                    inbound.platform, inbound.event_id, exc)
        what = attachment.name or {"image": "the photo", "audio": "the voice note", "file": "the file"}[kind]
        raise MediaRefusal(f"I could not download {what} from {inbound.platform.title()}. "
                           "Please send it again.") from None


async def _transcript(core: Core, attachment: Attachment, data: bytes) -> str:
    assert core.transcriber is not None  # read_input refused the note before downloading it
    name = attachment.name or "voice.ogg"
    text = await core.transcriber.transcribe(data, name, attachment.mime)
    if not text:
        raise MediaRefusal("I could not make out any words in the voice note. Please try again, or type it.")
    return text


async def text_only_refusal(core: Core, model: str) -> str:
    """The line naming the models the user can switch to that read images."""
    try:
        models = await core.catalog.models()
    except ModelError as exc:
        log.warning("model list unavailable while naming vision models: %s", exc)
        models = []
    return text_only_line(model, image_readers(models, core.settings.min_context_tokens, model))


def quoted(heard: str) -> str:
    """What was heard, as a Markdown quote above the answer."""
    if not heard:
        return ""
    shown = heard if len(heard) <= QUOTE_CHARS else heard[:QUOTE_CHARS].rstrip() + "…"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in shown.splitlines()) + "\n\n"


async def explain_image_refusals(events: AsyncGenerator[ModelEvent, None], core: Core,
                                 model: str) -> AsyncGenerator[ModelEvent, None]:
    """The events; an endpoint that refuses the images anyway gets the text-only line, not a
    generic error."""
    try:
        async with aclosing(events) as stream:
            async for event in stream:
                yield event
    except ModelError as err:
        if err.advice:
            raise
        if refused_as_too_big(err):
            err.advice = "The model's endpoint refused the image as too big. Send a smaller one."
        elif refused_image(err):
            err.advice = await text_only_refusal(core, model)
        raise

"""Images as every API mode takes them: JPEG, PNG, GIF or WebP, told by their bytes."""

from __future__ import annotations

import base64

from core.llm.base import ImagePart
from core.media.refusal import MediaRefusal

# The formats the chat, Responses and Anthropic APIs all accept, by their first bytes. The
# stated MIME type is not trusted: Anthropic refuses an image whose media_type is wrong.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and the length
)
IMAGE_TYPES = frozenset(kind for _, _, kind in _SIGNATURES)
READABLE = "JPEG, PNG, GIF and WebP"


def image_type(data: bytes) -> str | None:
    """The image's MIME type from its bytes, when it is one the models take."""
    for signature, offset, kind in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature and (offset == 0 or data[:4] == b"RIFF"):
            return kind
    return None


def image_part(data: bytes, name: str) -> ImagePart:
    """The image for the model; MediaRefusal when its bytes are no format the models take."""
    kind = image_type(data)
    if kind is None:
        what = name or "This image"
        raise MediaRefusal(f"{what} is not an image I can pass on: the models take {READABLE}.")
    return ImagePart(kind, base64.b64encode(data).decode("ascii"))

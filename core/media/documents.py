"""A sent file as text for the prompt: text-like files decoded, PDFs' text extracted.

Decoding uses charset-normalizer (the detector requests uses): a file that is not UTF-8 is
read in the encoding it most likely has, and bytes it cannot read as any text are binary.
PDF text comes from pypdf (pure Python, no system libraries). Both run in a worker thread:
they are CPU work on untrusted input and must not hold up the event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging

from charset_normalizer import from_bytes
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from core.media.refusal import MediaRefusal

log = logging.getLogger(__name__)

PDF_MAX_BYTES = 20 * 1024 * 1024  # Telegram's bot download cap; a PDF's size says little about its text
READABLE = "text files (txt, md, csv, json, source code) and PDFs"
# pypdf's own errors, and what a malformed file makes its parser raise besides them.
_BROKEN_PDF = (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError)


def is_pdf(name: str, mime: str) -> bool:
    return mime.lower() == "application/pdf" or name.lower().endswith(".pdf")


def max_file_bytes(name: str, mime: str, max_chars: int) -> int:
    """The most bytes worth downloading: a text file of `max_chars` characters is at most 4 bytes
    each (UTF-8); a PDF's text is far smaller than the file."""
    return PDF_MAX_BYTES if is_pdf(name, mime) else 4 * max_chars


def too_long(name: str, chars: int | None, max_chars: int) -> MediaRefusal:
    size = f"has {chars:,} characters" if chars is not None else "is too long"
    return MediaRefusal(f"{name or 'The file'} {size}; I read files up to {max_chars:,} characters "
                        "(FILE_MAX_CHARS). Send a shorter part.")


async def file_text(data: bytes, name: str, mime: str, max_chars: int) -> str:
    """The file's text; MediaRefusal (the user's line) when it is binary, empty or too long."""
    return await asyncio.to_thread(_file_text, data, name, mime, max_chars)


def _file_text(data: bytes, name: str, mime: str, max_chars: int) -> str:
    label = name or "The file"
    if data.startswith(b"%PDF-") or is_pdf(name, mime):
        text = _pdf_text(data, label, max_chars)
    else:
        text = _decoded(data, label, mime)
    if not text.strip():
        raise MediaRefusal(f"{label} has no text in it.")
    if len(text) > max_chars:
        raise too_long(name, len(text), max_chars)
    return text


def _decoded(data: bytes, label: str, mime: str) -> str:
    if not data:
        return ""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        kind = "image" if mime.lower().startswith("image/") else "file"
        raise MediaRefusal(f"I cannot read this {kind} ({label}): I read {READABLE}, and JPEG, PNG, "
                           "GIF or WebP images.")
    return str(best)


def _pdf_text(data: bytes, label: str, max_chars: int) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # many PDFs are "encrypted" with an empty password
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            pages.append(text)
            total += len(text)
            if total > max_chars:  # no need to read the rest to say it is too long
                raise MediaRefusal(f"{label} has more than {max_chars:,} characters of text; I read files up "
                                   f"to {max_chars:,} (FILE_MAX_CHARS). Send a shorter part.")
    except FileNotDecryptedError:
        raise MediaRefusal(f"{label} is password-protected; send it without the password.") from None
    except _BROKEN_PDF as exc:
        log.info("could not read a PDF (%s): %s", type(exc).__name__, exc)
        raise MediaRefusal(f"I could not read {label}: the PDF seems damaged.") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise MediaRefusal(f"{label} has no text I can read (a scanned PDF?). Send the pages as photos instead.")
    return text

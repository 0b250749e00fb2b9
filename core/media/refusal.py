"""The one line a user reads when a photo, voice note or file cannot be answered."""

from __future__ import annotations


class MediaRefusal(Exception):
    """Raised with the user's line (short, and saying what to do); nothing is sent to the model."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def size_text(size: int) -> str:
    """Bytes as people read them: 900 KB, 12.5 MB (powers of 1024, as platforms count)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    mb = size / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 100 or mb == int(mb) else f"{mb:.1f} MB"

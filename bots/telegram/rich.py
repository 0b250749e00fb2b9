"""Rich messages (Bot API 10.1: Markdown with tables, up to 32,768 characters): which answers
get one, and the adapter-wide switch that turns them off when the Bot API does not have them."""

from __future__ import annotations

import logging
import re

from aiogram.exceptions import TelegramAPIError, TelegramNotFound

from bots.telegram.formatting import MAX_TEXT
from core.reply.split import utf16_len

log = logging.getLogger(__name__)

RICH_MAX = 32_768  # characters of one rich message
# A Markdown table: a row with a "|", then its delimiter row (| --- | :---: |).
_TABLE = re.compile(r"^[^\n]*\|[^\n]*\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$",
                    re.MULTILINE)


def has_table(markdown: str) -> bool:
    return _TABLE.search(markdown) is not None


def fits(markdown: str) -> bool:
    """Short enough to be one rich message."""
    return utf16_len(markdown) <= RICH_MAX


def worth_it(markdown: str) -> bool:
    """A rich message shows this answer better than text pages: it has a table, or is longer than a page."""
    return fits(markdown) and (has_table(markdown) or utf16_len(markdown) > MAX_TEXT)


class RichSwitch:
    """TELEGRAM_RICH_MESSAGES, turned off for good when the Bot API server does not know the method."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def refused(self, exc: TelegramAPIError) -> None:
        if isinstance(exc, TelegramNotFound) and self.enabled:
            log.warning("this Bot API server has no rich messages (%s); answers go as text from now on", exc.message)
            self.enabled = False
        else:  # this chat or this text: the answer goes as text, the next one tries again
            log.info("Telegram refused a rich message (%s); sending it as text", exc.message)

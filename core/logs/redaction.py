"""No secret in any log line: the configured ones and anything shaped like a key, masked.

Code is written not to log secrets; this is the defence in depth behind it (a library's
exception that echoes a URL with a token, an error body that quotes a key).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings

MASK = "***"
MIN_SECRET = 4  # shorter values would mask ordinary words

# Key shapes worth masking even when we do not know the key: group 1 (kept) names the kind.
_SHAPES = re.compile(
    r"\b(sk-(?:ant-|or-|proj-)?)[A-Za-z0-9_\-]{6,}"  # OpenAI, Anthropic, OpenRouter keys
    r"|\b(Bearer\s+)[^\s\"',]{6,}"  # an Authorization header
    r"|\b(xox[abposr]-|xapp-)[A-Za-z0-9\-]{6,}"  # Slack bot, user and app tokens
    r"|\b(bot)?\d{6,12}:[A-Za-z0-9_\-]{30,}"  # a Telegram bot token (also inside /bot<token>/ URLs)
    r"|\b()[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,}"  # a Discord bot token
    r"|(\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+(?=@)"  # the password in scheme://user:password@host
)


def _mask(match: re.Match[str]) -> str:
    kept = next((g for g in match.groups() if g is not None), "")
    return kept + MASK


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given secrets and anything shaped like an API key or bot token."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            text = text.replace(secret, MASK)
    return _SHAPES.sub(_mask, text)


def secret_values(*settings: BaseSettings) -> list[str]:
    """Every SecretStr value of these settings objects, and the password of any URL among them."""
    found: list[str] = []
    for obj in settings:
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, SecretStr):
                found.append(value.get_secret_value())
            elif isinstance(value, str) and "://" in value:
                password = urlsplit(value).password
                if password:
                    found.append(password)
    return [s for s in found if len(s) >= MIN_SECRET]


class RedactionFilter(logging.Filter):
    """On a handler: renders each record's message and traceback, then masks secrets in both."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """More values to mask (each platform's tokens, once its settings are read)."""
        with self._lock:
            # Longest first: a secret that contains another is masked whole.
            self._secrets = tuple(sorted({*self._secrets, *secrets}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        record.msg = redact(record.getMessage(), secrets)
        record.args = None
        if record.exc_info:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None  # formatters now print exc_text, the masked copy
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True

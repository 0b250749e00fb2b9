"""Webhook mode: Telegram POSTs updates to a route on the gateway's HTTP server.

Every request must carry the secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token;
anything else gets 401 and is not looked at. The update is handed to the gateway before the
2xx goes back, so an acknowledged update is already stored: while Redis is unreachable (or
the gateway is shutting down) the answer is 503 and Telegram re-sends it later. A body that
cannot be read as an update gets 400 and one log line (a retry would read no better).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from core.errors import IntakeClosed, NotStored

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class UnreadableUpdate(Exception):
    """Valid JSON, but not an update aiogram can read."""


def webhook_url(configured: str) -> str:
    """TELEGRAM_WEBHOOK_URL, with /telegram appended when it names no path."""
    return configured if urlsplit(configured).path.strip("/") else configured.rstrip("/") + DEFAULT_PATH


def route_path(configured: str) -> str:
    """The local route: the URL's path (a reverse proxy must pass it through unchanged)."""
    return urlsplit(webhook_url(configured)).path


def webhook_secret(configured: str, token: str) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the token: every replica agrees on it."""
    if configured:
        return configured
    return hmac.new(token.encode(), b"switchboard telegram webhook", hashlib.sha256).hexdigest()


class WebhookReceiver:
    def __init__(self, secret: str, feed: Feed) -> None:
        self._secret = secret.encode()
        self._feed = feed

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request from %s refused: wrong secret token", request.remote)
            return web.Response(status=401, text="Unauthorized")
        try:
            update = json.loads(await request.read())
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            return _bad_request(request, f"not JSON ({type(exc).__name__})")
        if not isinstance(update, dict):
            return _bad_request(request, "not a JSON object")
        try:
            await self._feed(update)
        except UnreadableUpdate as exc:
            return _bad_request(request, str(exc))
        except (IntakeClosed, NotStored):  # Telegram re-sends it, to whichever replica can store it
            return web.Response(status=503, text="Service Unavailable")
        except Exception:  # outermost boundary of a webhook request: a 500 makes Telegram retry
            log.exception("webhook update %s failed", update.get("update_id"))
            return web.Response(status=500, text="Internal Server Error")
        return web.json_response({})


def _bad_request(request: web.Request, why: str) -> web.Response:
    log.warning("webhook request from %s refused with 400: the body is %s", request.remote, why)
    return web.Response(status=400, text="Bad Request")

"""Webhook mode: Telegram POSTs updates to a route on the gateway's HTTP server.

Every request must carry the secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token;
anything else gets 401 and is not looked at. The update is handed to the gateway before the
2xx goes back, so an acknowledged update is already queued (Telegram retries otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from core.errors import IntakeClosed

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class UnreadableUpdate(ValueError):
    """A body that is JSON but not an update aiogram can read (wrong types, missing update_id)."""


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
            update = await request.json()
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested past the parser's depth
            log.warning("webhook request refused: not a JSON object (%s)", type(exc).__name__)
            return web.Response(status=400, text="Bad Request")
        if not isinstance(update, dict):
            log.warning("webhook request refused: a JSON %s, not an object", type(update).__name__)
            return web.Response(status=400, text="Bad Request")
        try:
            await self._feed(update)
        except UnreadableUpdate as exc:  # a retry would not parse any better: one line, and 400
            log.warning("webhook request refused: not a Telegram update (%s)", exc)
            return web.Response(status=400, text="Bad Request")
        except IntakeClosed:  # shutting down: Telegram re-sends it, to whichever replica is up
            return web.Response(status=503, text="Service Unavailable")
        except Exception:  # outermost boundary of a webhook request: a 500 makes Telegram retry
            log.exception("webhook update %s failed", update.get("update_id"))
            return web.Response(status=500, text="Internal Server Error")
        return web.json_response({})

"""The one AsyncWebClient the adapter, bolt and the Socket Mode handler share."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

DEFAULT_API_URL = "https://slack.com/api/"


def api_base(configured: str) -> str:
    """SLACK_API_URL with the trailing slash slack_sdk joins method names onto."""
    return (configured or DEFAULT_API_URL).rstrip("/") + "/"


def make_client(token: str, api_url: str, *, rate_limit_retries: int = 1) -> AsyncWebClient:
    """slack_sdk raises on 429 by default; one quiet retry after Retry-After, then the outlet's pacer takes over."""
    client = AsyncWebClient(token=token, base_url=api_base(api_url))
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler()]
    if rate_limit_retries > 0:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))
    client.retry_handlers = handlers
    return client

"""Socket Mode: bolt's AsyncSocketModeHandler on the app's own client (so SLACK_API_URL
applies to apps.connections.open too). slack_sdk reconnects by itself after a drop or a
"disconnect" message; we only open the first connection."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)


class SocketConnection:
    def __init__(self, app: AsyncApp, app_token: str, *, ping_interval: float) -> None:
        self._app = app
        self._app_token = app_token
        self._ping_interval = ping_interval
        self._handler: AsyncSocketModeHandler | None = None

    async def issue_url(self) -> str:
        """apps.connections.open with the app token: a bad token fails here, in the foreground."""
        response = await self._app.client.apps_connections_open(app_token=self._app_token)
        return str(response["url"])

    async def connect(self, url: str) -> None:
        """Connects to `url` (the handler needs a running loop, so it is made here)."""
        self._handler = AsyncSocketModeHandler(self._app, self._app_token, ping_interval=self._ping_interval)
        self._handler.client.wss_uri = url  # the URL just issued, instead of asking for another
        await self._handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated

    def connected(self) -> bool:
        """The WebSocket is open (slack_sdk reconnects a dropped one by itself)."""
        client = self._handler.client if self._handler is not None else None
        session = getattr(client, "current_session", None)
        return client is not None and not client.closed and session is not None and not session.closed

    async def close(self) -> None:
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]
            self._handler = None

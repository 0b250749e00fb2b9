"""HTTP Events mode: Slack POSTs events, commands and button presses to one route.

A body that cannot be a Slack request (bots/slack/request_shape.py) gets 400 and one log
line; bolt checks every other request (v0 signature over "v0:<timestamp>:<body>" with the
signing secret, timestamp within five minutes) before any listener sees it; a bad one gets 401.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bots.slack.request_shape import problem

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class EventsEndpoint:
    def __init__(self, app: AsyncApp, accepting: Callable[[], bool]) -> None:
        self._app = app
        self._accepting = accepting

    async def handle(self, request: web.Request) -> web.Response:
        if not self._accepting():  # shutting down: Slack re-sends it, to whichever replica is up
            return web.Response(status=503, text="Service Unavailable")
        why = problem(await request.read(), request.content_type)
        if why is not None:
            log.warning("Slack request from %s refused: %s", request.remote, why)
            return web.Response(status=400, text="Bad Request")
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError, KeyError):
            # bolt reads the body before it checks the signature: what it cannot read is the sender's fault
            log.warning("Slack request from %s refused: its body is not a JSON object or a form", request.remote)
            return web.Response(status=400, text="Bad Request")
        response = await self._app.async_dispatch(bolt_request)
        if response.status == 401:
            log.warning("Slack request from %s refused: bad signature or stale timestamp", request.remote)
        return await to_aiohttp_response(response)

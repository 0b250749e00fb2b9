"""Where discord.py connects. Both are class attributes, so they are process-global."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

DISCORD_API = discord.http.Route.BASE
DISCORD_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def point_at(api_base: str, gateway_url: str) -> None:
    """Use another REST base and gateway (a proxy or a test fake); empty means Discord's own.

    Every discord.py client in this process follows, so two adapters with different
    endpoints cannot share one process.
    """
    discord.http.Route.BASE = api_base or DISCORD_API
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else DISCORD_GATEWAY

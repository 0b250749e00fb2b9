"""One gateway connection per shard, and only where this replica holds that shard's role.

Discord wants one session per shard (a second IDENTIFY for the same shard ends the first), so
each shard's connection is a role held through a lease in Redis: one replica connects, the
others stand by and take over within about one lease of its death. A replica may hold any
number of shards. REST calls (replies) never need a gateway connection, so every replica
answers the conversations it holds whichever shards it connects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import discord
from discord import app_commands

from bots.discord.client import Listener, SwitchboardClient
from bots.discord.commands import SlashHandler, build_tree

log = logging.getLogger(__name__)

RETRY_MAX = 60.0  # seconds between attempts to reach Discord at most
TOKEN_REFUSED = ("rejected DISCORD_BOT_TOKEN (401 Unauthorized): copy it again from the Developer Portal "
                 "(your application → Bot → Reset Token)")
INTENT_REFUSED = ("refused the Message Content intent: enable it in the Developer Portal (your application → "
                  "Bot → Privileged Gateway Intents → Message Content Intent) or set DISCORD_MESSAGE_CONTENT=false")


class ShardConnection:
    """One shard's discord.py client: logs in, connects, resumes; retried until closed or refused
    for good (`failed` then says why, and the operator reads it once)."""

    def __init__(self, shard_id: int, shard_count: int, *, token: str, message_content: bool,
                 guild_ready_timeout: float, listener: Listener, handler: SlashHandler, retry_delay: float,
                 on_state: Callable[[str], None]) -> None:
        self.shard_id = shard_id
        self.client = SwitchboardClient(message_content=message_content, guild_ready_timeout=guild_ready_timeout,
                                        shard_id=shard_id, shard_count=shard_count)
        self.client.listener = listener
        # Interactions arriving on this shard are dispatched by its own tree.
        self.tree: app_commands.CommandTree[discord.Client] = build_tree(self.client, handler)
        self._token = token
        self._retry_delay = retry_delay
        self._on_state = on_state
        self.failed = ""  # Discord refused us for good (token, intents)

    async def run(self) -> None:
        """Keeps the shard connected; discord.py resumes sessions, this retries what it gives up."""
        delay = self._retry_delay
        try:
            while not self.client.is_closed():
                try:
                    await self.client.login(self._token)
                    await self.client.connect(reconnect=True)
                    return  # closed
                except discord.PrivilegedIntentsRequired:
                    self._give_up(INTENT_REFUSED)
                    return
                except discord.LoginFailure:
                    self._give_up(TOKEN_REFUSED)
                    return
                except Exception as exc:  # outermost boundary of the connection task: it must not die
                    if self.client.is_closed():  # discord.py closed for good (e.g. authentication failed)
                        self._give_up(f"disconnected ({type(exc).__name__}: {exc})")
                        return
                    await self._drop_session()
                    self._on_state(f"reconnecting ({type(exc).__name__}: {exc})")
                    log.warning("Discord shard %d: connection failed (%s); retrying in %.0f s",
                                self.shard_id, exc, delay)
                    await asyncio.sleep(delay)  # backoff between attempts is the point here
                    delay = min(delay * 2, RETRY_MAX)
        finally:
            await self.client.close()

    def _give_up(self, why: str) -> None:
        self.failed = why
        self._on_state(why)
        log.error("Discord %s", why)

    async def _drop_session(self) -> None:
        """discord.py opens a new HTTP session per login but keeps its connector: close the old
        session and let the next login make a fresh connector too."""
        await self.client.http.close()
        self.client.http.connector = discord.utils.MISSING

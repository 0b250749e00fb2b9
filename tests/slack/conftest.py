"""A running Slack adapter: real slack-bolt AsyncApp (+ AsyncSocketModeHandler) against the
fake Slack, the local model server and a real Redis. `start_bot(**settings)` starts one."""

from __future__ import annotations

from bots.slack.adapter import SlackAdapter
from bots.slack.settings import SlackSettings
from tests.fakes.slack_api import FakeSlack
from tests.platform_bot import RunningBot, platform_fixtures
from tests.platform_bot import StartBot as StartsBot

QUICK_PACE = 0.05  # seconds between updates to one channel, so tests do not wait on the real budget
ADAPTER_OPTIONS = {"edit_interval": QUICK_PACE, "ping_interval": 0.2}


class Running(RunningBot[FakeSlack, SlackAdapter]):
    async def ready(self) -> None:
        """In Socket Mode, once the WebSocket is open; in HTTP mode, at once."""
        if not self.adapter.http_mode:
            await self.fake.wait_for(lambda: self.fake.sockets, what="the Socket Mode connection")

    async def thread_shows(self, channel: str, thread_ts: str | None, *texts: str, timeout: float = 5.0) -> None:
        """Waits until the thread holds exactly these messages (all streams closed), then for the core."""
        def closed_texts() -> list[str] | None:
            found = self.fake.in_thread(channel, thread_ts)
            return None if any(m.streaming for m in found) else [m.visible for m in found]

        await self.shows(closed_texts, texts, timeout, where=f"{channel}/{thread_ts}")

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.web.port}/slack/events"


fake, start_bot = platform_fixtures(
    FakeSlack, Running, SlackAdapter, SlackSettings, options=ADAPTER_OPTIONS,
    settings=lambda fake: {"slack_bot_token": fake.bot_token, "slack_app_token": fake.app_token,
                           "slack_api_url": fake.api_url})
StartBot = StartsBot[Running]

"""Everything a pipeline step may need, built once per process from the settings."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.config import Settings
from core.llm.base import ModelClient
from core.llm.catalog import Catalog
from core.llm.factory import build_catalog
from core.outlet import Outlet, PlatformBinding
from core.store.admission import Admissions
from core.store.context import ContextLoader
from core.store.conversation_queue import ConversationQueue
from core.store.history import HistoryStore
from core.store.keys import Keys
from core.store.pacing import ChatPacer, Token
from core.store.prefs import ModelChoices
from core.store.stop_flags import StopFlags
from core.store.usage import UsageCounters
from core.types import ConversationKey, Inbound

WINDOW_CACHE_SECONDS = 60.0


class UnknownPlatform(LookupError):
    pass


@dataclass
class Core:
    settings: Settings
    redis: Redis
    model: ModelClient
    keys: Keys = field(init=False)
    history: HistoryStore = field(init=False)
    choices: ModelChoices = field(init=False)
    usage: UsageCounters = field(init=False)
    admissions: Admissions = field(init=False)
    contexts: ContextLoader = field(init=False)
    queue: ConversationQueue = field(init=False)
    catalog: Catalog = field(init=False)
    stops: StopFlags = field(init=False)
    platforms: dict[str, PlatformBinding] = field(default_factory=dict)
    # Replies streaming in this process, by conversation, so a local /stop acts at once.
    local_stops: dict[str, asyncio.Event] = field(default_factory=dict)
    _windows: dict[str, tuple[float, int | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, r = self.settings, self.redis
        self.keys = Keys(s.redis_prefix)
        self.history = HistoryStore(r, self.keys)
        self.choices = ModelChoices(r, self.keys)
        self.usage = UsageCounters(r, self.keys)
        self.admissions = Admissions(r, self.keys, per_minute=s.user_messages_per_minute)
        self.contexts = ContextLoader(r, self.keys, history_ttl=s.session_ttl)
        self.queue = ConversationQueue(r, s.redis_prefix)
        self.stops = StopFlags(r, self.keys, ttl=s.session_ttl)
        self.catalog = build_catalog(s, self.model, r, s.redis_prefix)  # shares its cache with the chain

    def bind(self, platform: PlatformBinding) -> None:
        self.platforms[platform.name] = platform

    def binding(self, inbound: Inbound) -> PlatformBinding:
        try:
            return self.platforms[inbound.platform]
        except KeyError:
            raise UnknownPlatform(inbound.platform) from None

    def conversation(self, inbound: Inbound) -> ConversationKey:
        return ConversationKey.for_inbound(inbound, self.settings.session_scope)

    def pacer_for(self, inbound: Inbound, *, first_slot: Token | None = None) -> ChatPacer:
        """The chat's shared update budget (first_slot: a token already taken with the context read)."""
        limits = self.binding(inbound).limits_for(inbound)
        key = self.keys.pace(inbound.platform, inbound.chat_id)
        return ChatPacer(self.redis, key, limits.min_edit_interval, limits.burst, first_slot=first_slot)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer | None = None) -> Outlet:
        """A fresh outlet for one reply, paced by the chat's shared budget."""
        return self.binding(inbound).outlet_for(inbound, pacer or self.pacer_for(inbound))

    async def model_window(self, model: str) -> int | None:
        """The catalog's window for a model, remembered in-process for a minute (hot path)."""
        now = time.monotonic()
        cached = self._windows.get(model)
        if cached is not None and cached[0] > now:
            return cached[1]
        window = await self.catalog.window(model)
        self._windows[model] = (now + WINDOW_CACHE_SECONDS, window)
        return window

    async def current_model(self, inbound: Inbound) -> str:
        return await self.choices.get(inbound.platform, inbound.user_id) or self.settings.model_name

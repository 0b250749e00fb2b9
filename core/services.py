"""Everything a pipeline step may need, built once per process from the settings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.config import Settings
from core.llm.base import ModelClient
from core.llm.catalog import Catalog
from core.outlet import Outlet, PlatformBinding
from core.store.conversation_queue import ConversationQueue
from core.store.dedupe import EventDedupe
from core.store.history import HistoryStore
from core.store.keys import Keys
from core.store.pacing import ChatPacer
from core.store.prefs import ModelChoices
from core.store.rate_limit import UserRateLimit
from core.store.stop_flags import StopFlags
from core.store.usage import UsageCounters
from core.types import ConversationKey, Inbound


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
    dedupe: EventDedupe = field(init=False)
    rate: UserRateLimit = field(init=False)
    queue: ConversationQueue = field(init=False)
    catalog: Catalog = field(init=False)
    stops: StopFlags = field(init=False)
    platforms: dict[str, PlatformBinding] = field(default_factory=dict)
    # Replies streaming in this process, by conversation, so a local /stop acts at once.
    local_stops: dict[str, asyncio.Event] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, r = self.settings, self.redis
        self.keys = Keys(s.redis_prefix)
        self.history = HistoryStore(r, self.keys, ttl=s.session_ttl, max_turns=s.max_history_turns)
        self.choices = ModelChoices(r, self.keys)
        self.usage = UsageCounters(r, self.keys)
        self.dedupe = EventDedupe(r, self.keys)
        self.rate = UserRateLimit(r, self.keys, per_minute=s.user_messages_per_minute)
        self.queue = ConversationQueue(r, s.redis_prefix)
        self.stops = StopFlags(r, self.keys, ttl=s.session_ttl)
        self.catalog = Catalog(self.model, r, s.redis_prefix, window_override=s.model_context_window)

    def bind(self, platform: PlatformBinding) -> None:
        self.platforms[platform.name] = platform

    def binding(self, inbound: Inbound) -> PlatformBinding:
        try:
            return self.platforms[inbound.platform]
        except KeyError:
            raise UnknownPlatform(inbound.platform) from None

    def conversation(self, inbound: Inbound) -> ConversationKey:
        return ConversationKey.for_inbound(inbound, self.settings.session_scope)

    def outlet_for(self, inbound: Inbound) -> Outlet:
        """A fresh outlet for one reply, paced by the chat's shared budget."""
        binding = self.binding(inbound)
        limits = binding.limits_for(inbound)
        pacer = ChatPacer(self.redis, self.keys.pace(inbound.platform, inbound.chat_id), limits.min_edit_interval)
        return binding.outlet_for(inbound, pacer)

    async def current_model(self, inbound: Inbound) -> str:
        return await self.choices.get(inbound.platform, inbound.user_id) or self.settings.model_name

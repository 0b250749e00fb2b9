"""Everything a pipeline step may need, built once per process from the settings."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from redis.asyncio import Redis

from core.access.policy import AccessPolicy
from core.config import Settings
from core.interrupts import Interrupts
from core.llm.base import TokenPrices
from core.llm.catalog import Catalog
from core.llm.errors import ModelError
from core.llm.failover import FailoverChain
from core.llm.gate import check_window
from core.llm.prices import PriceBook
from core.llm.suggest import matching_models
from core.logs.correlation import correlated
from core.media.transcribe import Transcriber
from core.metrics import Metrics
from core.notices import Notices
from core.outlet import Outlet, PlatformBinding
from core.reply.relay import Relay
from core.store.admission import Admissions
from core.store.availability import RedisAvailability
from core.store.chat_settings import ChatSettings
from core.store.context import ContextLoader
from core.store.conversation_queue import ConversationQueue
from core.store.feedback import FeedbackStore
from core.store.history import HistoryStore
from core.store.keys import Keys
from core.store.leases import Leases
from core.store.ledger import Ledger
from core.store.pacing import ChatPacer, Token
from core.store.pairing import Pairings
from core.store.prefs import ModelChoices
from core.store.reply_checkpoint import ReplyCheckpoints
from core.store.usage import UsageCounters
from core.types import ConversationKey, Inbound, Limits

log = logging.getLogger(__name__)


class UnknownPlatform(LookupError):
    pass


@dataclass
class Core:
    settings: Settings
    redis: Redis
    model: FailoverChain
    metrics: Metrics = field(default_factory=Metrics)  # the gateway's own registry (served at /metrics)
    price_table: dict[str, TokenPrices] = field(default_factory=dict)  # endpoints.toml's [prices]
    keys: Keys = field(init=False)
    history: HistoryStore = field(init=False)
    choices: ModelChoices = field(init=False)
    usage: UsageCounters = field(init=False)
    admissions: Admissions = field(init=False)
    contexts: ContextLoader = field(init=False)
    queue: ConversationQueue = field(init=False)
    checkpoints: ReplyCheckpoints = field(init=False)
    leases: Leases = field(init=False)
    availability: RedisAvailability = field(init=False)
    catalog: Catalog = field(init=False)
    interrupts: Interrupts = field(init=False)
    feedback: FeedbackStore = field(init=False)
    transcriber: Transcriber | None = field(init=False)  # None: TRANSCRIBE_MODEL is not set
    relay: Relay = field(init=False)
    notices: Notices = field(init=False)  # lines sent from tasks: no intake waits for a platform
    pairings: Pairings = field(init=False)
    access: AccessPolicy = field(init=False)
    ledger: Ledger = field(init=False)  # tokens per user and period, and the quota check
    chats: ChatSettings = field(init=False)  # /chatmodel and /prompt
    prices: PriceBook = field(init=False)
    platforms: dict[str, PlatformBinding] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, r = self.settings, self.redis
        self.keys = Keys.for_client(s.redis_prefix, r)
        self.history = HistoryStore(r, self.keys)
        self.choices = ModelChoices(r, self.keys)
        self.usage = UsageCounters(r, self.keys)
        self.admissions = Admissions(r, self.keys, per_minute=s.user_messages_per_minute)
        self.ledger = Ledger(r, self.keys, daily=s.user_daily_tokens, monthly=s.user_monthly_tokens)
        self.contexts = ContextLoader(r, self.keys, history_ttl=s.session_ttl, ledger=self.ledger)
        self.queue = ConversationQueue(r, self.keys, lease_ms=int(s.lease_seconds * 1000),
                                       seen_ttl=self.admissions.seen_ttl)
        self.checkpoints = ReplyCheckpoints(r, self.keys)
        self.leases = Leases(r, self.keys)
        self.availability = RedisAvailability(r)
        self.interrupts = Interrupts(r, self.keys, ttl=s.session_ttl)
        self.feedback = FeedbackStore(r, self.keys)
        self.relay = Relay(r, self.keys)
        self.catalog = self.model.catalog  # the chain's own primary catalog: one list, one set of windows
        self.transcriber = Transcriber.from_settings(s)
        self.notices = Notices(self.outlet_for)
        self.pairings = Pairings(r, self.keys)
        self.access = AccessPolicy(s.access_policy, s.admins, self.pairings)
        self.chats = ChatSettings(r, self.keys)
        self.prices = PriceBook(self.price_table, self.catalog)

    def bind(self, platform: PlatformBinding) -> None:
        self.platforms[platform.name] = platform

    def binding(self, inbound: Inbound) -> PlatformBinding:
        try:
            return self.platforms[inbound.platform]
        except KeyError:
            raise UnknownPlatform(inbound.platform) from None

    def conversation(self, inbound: Inbound) -> ConversationKey:
        return ConversationKey.for_inbound(inbound, self.settings.session_scope)

    def pacer_for(self, inbound: Inbound, limits: Limits | None = None, *,
                  first_slot: Token | None = None) -> ChatPacer:
        """The chat's shared update budget (first_slot: a token already taken with the context read)."""
        limits = limits or self.binding(inbound).limits_for(inbound)
        key = self.keys.pace(inbound.platform, inbound.chat_id)
        return ChatPacer(self.redis, key, limits.min_edit_interval, limits.burst, first_slot=first_slot)

    def outlet_for(self, inbound: Inbound, pacer: ChatPacer | None = None) -> Outlet:
        """A fresh outlet for one reply, paced by the chat's shared budget."""
        return self.binding(inbound).outlet_for(inbound, pacer or self.pacer_for(inbound))

    async def model_window(self, model: str) -> int | None:
        """The catalog's window for a model (remembered in-process for a minute there: hot path)."""
        return await self.catalog.window(model)

    @contextlib.contextmanager
    def about(self, inbound: Inbound) -> Iterator[None]:
        """Within it (and the tasks it starts) log lines carry the message's correlation id, and
        metrics count for this gateway and the message's platform."""
        with correlated(inbound), self.metrics.measuring(inbound.platform):
            yield

    async def usable_models(self, matching: str = "") -> list[str]:
        """Ids of the endpoint's models that pass the context gate and contain every word of
        `matching` (any order, case-insensitive); empty when the list is unavailable (logged)."""
        try:
            models = await self.catalog.models()
        except ModelError as exc:
            log.warning("cannot list the endpoint's models: %s", exc)
            return []
        minimum = self.settings.min_context_tokens
        return [m.id for m in matching_models(models, matching) if check_window(m, minimum) is None]

    async def current_model(self, inbound: Inbound) -> str:
        """The user's own /model, then the chat's /chatmodel, then MODEL_NAME."""
        return (await self.choices.get(inbound.platform, inbound.user_id)
                or await self.chats.model(inbound.platform, inbound.chat_id)
                or self.settings.model_name)

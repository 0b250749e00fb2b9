"""The switchboard_* metric families (Prometheus), one registry per running gateway.

Dashboards and alerts depend on these names (compose/grafana/, docs/operations.md): rename
nothing. No label carries a user or chat id: labels are platforms, model targets, outcomes.
Each assembled gateway makes its own `Metrics`, so tests never share counts; code deep in a
reply (a platform's 429) finds the gateway's through `measuring()`, set per message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from redis.exceptions import RedisError

from core.llm.base import ModelEvent, TextDelta
from core.signals import Signal

ReplyOutcome = Literal["ok", "error", "stopped", "refused"]
Family = TypeVar("Family", Counter, Gauge, Histogram)

# Seconds from a message to text on screen: a model's first token takes 0.2-5 s, the chat's
# budget adds up to its interval (1-3 s), failover and queues add more.
FIRST_VISIBLE_BUCKETS = (0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60, 120)
# Whole answers run from a second to several minutes.
REPLY_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300, 600)
FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 30, 60, 120)


class Metrics:
    """Every family of one gateway, in its own registry (served at /metrics)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.messages_received = Counter(
            "switchboard_messages_received", "Messages taken in (re-deliveries not counted).",
            ["platform"], registry=r)
        self.replies = Counter(
            "switchboard_replies", "Messages answered, by outcome: ok, error, stopped or refused.",
            ["platform", "outcome"], registry=r)
        self.reply_first_visible = Histogram(
            "switchboard_reply_first_visible_seconds", "Message received to the first text the user can see.",
            ["platform"], buckets=FIRST_VISIBLE_BUCKETS, registry=r)
        self.reply_seconds = Histogram(
            "switchboard_reply_seconds", "Message received to its final text delivered.",
            ["platform"], buckets=REPLY_BUCKETS, registry=r)
        self.model_first_token = Histogram(
            "switchboard_model_first_token_seconds", "Model request sent to its first text token, per target.",
            ["target"], buckets=FIRST_TOKEN_BUCKETS, registry=r)
        self.model_requests = Counter(
            "switchboard_model_requests", "Model requests per target, by outcome (ok, an error kind, cancelled).",
            ["target", "outcome"], registry=r)
        self.model_failovers = Counter(
            "switchboard_model_failovers", "Times the failover chain left a target for the next one, by reason.",
            ["reason"], registry=r)
        self.platform_retry_after = Counter(
            "switchboard_platform_retry_after", "429 'retry after' answers received from a platform.",
            ["platform"], registry=r)
        self.replies_streaming = Gauge(
            "switchboard_replies_streaming", "Replies streaming in this process now.", registry=r)
        self.tokens = Counter(
            "switchboard_tokens", "Model tokens of answered messages (reported, else estimated).",
            ["direction"], registry=r)
        self.queue_adoptions = Counter(
            "switchboard_queue_adoptions", "Conversation queues adopted after their holder died.", registry=r)
        self.redis_errors = Counter(
            "switchboard_redis_errors", "Redis failures seen at the gateway's boundaries and by the readiness probe.",
            registry=r)
        self.feedback = Counter(
            "switchboard_feedback", "Answers rated by the people who asked (Slack's thumbs), per model.",
            ["platform", "rating", "model"], registry=r)
        self.updates_not_stored = Counter(
            "switchboard_updates_not_stored", "Updates left unacknowledged because they could not be stored "
            "(503, no ack, polling offset kept): the platform sends them again.", ["platform"], registry=r)
        self.backlog_overflows = Counter(
            "switchboard_backlog_overflows", "Updates a platform never re-sends that were refused past the backlog.",
            ["platform"], registry=r)
        self.redis_outages = Counter(
            "switchboard_redis_outages", "Times this process lost Redis (one per outage).", registry=r)
        self.roles_taken = Counter(
            "switchboard_roles_taken", "One-at-a-time roles this process took (the Telegram poller, a Discord shard).",
            ["role"], registry=r)
        self.ready = Gauge(
            "switchboard_ready", "1 while a component is ready (redis, each platform), else 0.",
            ["component"], registry=r)
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_cpu_seconds_total...
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def of(self, family: Family, *labels: str) -> Family:
        """`family.labels(*labels)`, remembered: label values are few, and labels() costs a lock
        and a validation on every call (a few µs, a dozen times per message)."""
        key = (id(family), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = family.labels(*labels)
        return child

    def received(self, platform: str) -> None:
        self.of(self.messages_received, platform).inc()

    def replied(self, platform: str, outcome: ReplyOutcome) -> None:
        self.of(self.replies, platform, outcome).inc()

    def used_tokens(self, input_tokens: int, output_tokens: int) -> None:
        self.of(self.tokens, "input").inc(max(0, input_tokens))
        self.of(self.tokens, "output").inc(max(0, output_tokens))

    def rated(self, platform: str, rating: str, model: str) -> None:
        self.of(self.feedback, platform, rating, model).inc()

    def on_signal(self, signal: Signal, labels: Mapping[str, str]) -> None:
        """The reliability events (core/signals.py), counted."""
        if signal is Signal.QUEUE_ADOPTED:
            self.queue_adoptions.inc()
        elif signal is Signal.REDIS_DOWN:
            self.redis_outages.inc()
        elif signal is Signal.NOT_STORED:
            self.of(self.updates_not_stored, labels.get("platform", "")).inc()
        elif signal is Signal.BACKLOG_OVERFLOW:
            self.of(self.backlog_overflows, labels.get("platform", "")).inc()
        elif signal is Signal.ROLE_TAKEN:
            self.of(self.roles_taken, labels.get("role", "").split(":", 1)[0]).inc()

    def failover(self, reason: str) -> None:
        self.of(self.model_failovers, reason).inc()

    def redis_failed(self, exc: BaseException) -> None:
        """Counts `exc` when Redis caused it (a boundary's one-liner for any failure)."""
        if isinstance(exc, RedisError):
            self.redis_errors.inc()

    def model_call(self, target: str) -> ModelCall:
        return ModelCall(self, target)

    def clock(self, platform: str, received_at: float) -> ReplyClock:
        return ReplyClock(self, platform, received_at)

    @contextmanager
    def measuring(self, platform: str) -> Iterator[None]:
        """Within this block (and the tasks it starts), `active()` is this gateway for `platform`."""
        token = _measuring.set((self, platform))
        try:
            yield
        finally:
            _measuring.reset(token)


_measuring: ContextVar[tuple[Metrics, str] | None] = ContextVar("switchboard_measuring", default=None)


def count_platform_retry_after() -> None:
    """A platform's 429, counted for the gateway and platform this task answers for (if any)."""
    active = _measuring.get()
    if active is not None:
        metrics, platform = active
        metrics.of(metrics.platform_retry_after, platform).inc()


class ModelCall:
    """One request to one target: first-token time and outcome, each recorded once."""

    def __init__(self, metrics: Metrics, target: str) -> None:
        self._metrics = metrics
        self._target = target
        self._started = time.monotonic()
        self._first_token = False
        self._done = False

    def saw(self, event: ModelEvent) -> None:
        if not self._first_token and isinstance(event, TextDelta):
            self._first_token = True
            self._metrics.of(self._metrics.model_first_token, self._target).observe(time.monotonic() - self._started)

    def done(self, outcome: str) -> None:
        """`ok`, an error kind, or `cancelled` (closed early: /stop, shutdown); later calls are ignored."""
        if not self._done:
            self._done = True
            self._metrics.of(self._metrics.model_requests, self._target, outcome).inc()


class ReplyClock:
    """One reply's times, from the moment its message was received (any replica's wall clock)."""

    def __init__(self, metrics: Metrics, platform: str, received_at: float) -> None:
        self._metrics = metrics
        self._platform = platform
        self._received_at = received_at or time.time()  # queued before received_at existed: from now
        self._shown = False

    @contextmanager
    def streaming(self) -> Iterator[None]:
        self._metrics.replies_streaming.inc()
        try:
            yield
        finally:
            self._metrics.replies_streaming.dec()

    def shown(self) -> None:
        """The user can see text of the reply (the first call counts)."""
        if not self._shown:
            self._shown = True
            self._metrics.of(self._metrics.reply_first_visible, self._platform).observe(self._since())

    def delivered(self) -> None:
        """The final text is delivered."""
        self.shown()
        self._metrics.of(self._metrics.reply_seconds, self._platform).observe(self._since())

    def outcome(self, outcome: ReplyOutcome) -> None:
        self._metrics.replied(self._platform, outcome)

    def _since(self) -> float:
        return max(0.0, time.time() - self._received_at)

"""FailoverChain: the primary target plus fallbacks, presented as one ModelClient.

Per target: retry transient failures with jittered backoff (honouring Retry-After), then
cool the target down for every replica and move on. Config failures (key, model, path)
move on at once; a context-length error moves on only to a target with a larger window.
A failure after text was shown emits `Restarted`, and the next answer starts from scratch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field, replace

from core.llm.base import ModelEvent, ModelInfo, ModelRequest, Restarted, TextDelta
from core.llm.catalog import Catalog
from core.llm.deadlines import closing, with_deadlines
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.health import Health, TargetHealth
from core.llm.retry import RetryPolicy
from core.llm.route import Route, Target
from core.metrics import Metrics

log = logging.getLogger(__name__)

_BROKE_OFF = {
    ModelErrorKind.UNAVAILABLE: "the provider failed",
    ModelErrorKind.TIMEOUT: "the provider stalled",
    ModelErrorKind.TRUNCATED: "the stream was cut off",
    ModelErrorKind.RATE_LIMITED: "rate limited",
    ModelErrorKind.PROTOCOL: "the stream was garbled",
}


def restart_note(err: ModelError) -> str:
    """The line shown in place of a half answer while a fresh one starts."""
    return f"The answer broke off ({_BROKE_OFF.get(err.kind, 'provider error')}); starting over"


@dataclass
class _Tally:
    """What went wrong so far while answering one request."""

    errors: list[tuple[Target, ModelError]] = field(default_factory=list)
    waits: list[tuple[Target, float, ModelErrorKind]] = field(default_factory=list)  # resting targets
    context: ModelError | None = None
    context_floor: int | None = None  # a target must have a larger window than this


class FailoverChain:
    """Implements ModelClient over an ordered list of routes."""

    def __init__(
        self,
        routes: Sequence[Route],
        health: TargetHealth,
        policy: RetryPolicy,
        *,
        first_token_timeout: float,
        idle_timeout: float,
        min_window: int = 0,
        metrics: Metrics | None = None,
    ) -> None:
        if not routes:
            raise ValueError("a failover chain needs at least one route")
        self._routes = tuple(routes)
        self._health = health
        self._policy = policy
        self._first_token = first_token_timeout
        self._idle = idle_timeout
        self._min_window = min_window  # MIN_CONTEXT_TOKENS: a target known to be smaller is never used
        self._metrics = metrics or Metrics()

    @property
    def catalog(self) -> Catalog:
        """The primary endpoint's catalog."""
        return self._routes[0].endpoint.catalog

    def targets(self, request: ModelRequest) -> list[Target]:
        """The request's model on the primary endpoint first, then every fallback, once each."""
        return self.targets_for(request.model)

    def targets_for(self, wanted: str) -> list[Target]:
        """`wanted` on the primary endpoint first, then every fallback, once each."""
        seen: set[tuple[str, str]] = set()
        targets: list[Target] = []
        for route in self._routes:
            model = route.model or wanted
            if model and (route.endpoint.name, model) not in seen:
                seen.add((route.endpoint.name, model))
                targets.append(Target(route.endpoint, model))
        return targets

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelEvent, None]:
        """One complete answer from the first target that gives one, or one ModelError."""
        tally = _Tally()
        targets = self.targets(request)
        if not targets:
            raise ModelError(ModelErrorKind.NOT_FOUND, "no model given and no fallback configured (MODEL_NAME)")
        shown = False  # text is on screen since the last Restarted
        with_images = any(m.images for m in request.messages)
        for target in targets:
            if not await self._usable(target, tally):
                continue
            if with_images and target is not targets[0] and await target.endpoint.catalog.vision(target.model) is False:
                log.info("skipping %s for a message with images: it reads text only", target.label)
                continue
            verdict = await self._health.check(target.key)
            if verdict.state is Health.COOLING:
                log.info("skipping %s: cooling down for %.1f s", target.label, verdict.remaining)
                tally.waits.append((target, verdict.remaining, verdict.kind))
                if target is not targets[-1]:
                    self._metrics.failover("cooling_down")
                continue
            attempts = 1 if verdict.state is Health.TRIAL else self._policy.attempts
            for attempt in range(attempts):
                call = self._metrics.model_call(f"{target.endpoint.name}/{target.model}")
                log.debug("asking %s", target.label)
                try:
                    async with closing(self._open(target, request)) as events:
                        async for event in events:
                            call.saw(event)
                            shown = shown or isinstance(event, TextDelta)
                            yield event
                    call.done("ok")
                except ModelError as err:
                    call.done(err.kind.value)
                    err.target, err.model = target.endpoint.label, target.model
                    log.warning(err.log_line())
                    if shown:
                        shown = False
                        yield Restarted(restart_note(err))
                    last = target is targets[-1]
                    wait = await self._settle(target, err, attempt, attempts, tally, last=last,
                                              trial=verdict.state is Health.TRIAL)
                    if wait is None:
                        if not last:
                            self._metrics.failover(err.kind.value)
                        break
                    await asyncio.sleep(wait)
                    continue
                finally:
                    call.done("cancelled")  # closed early (/stop, shutdown); no-op once recorded
                if verdict.state is Health.TRIAL:
                    log.info("%s answered its trial request: back in service", target.label)
                    await self._health.recovered(target.key)
                return
        raise await self._verdict(targets, tally)

    def _open(self, target: Target, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        events = target.endpoint.client.stream(replace(request, model=target.model))
        return with_deadlines(events, first_token=self._first_token, idle=self._idle, target=target.label)

    async def window(self, model: str) -> int | None:
        """The model's window from the first endpoint that knows it (the primary first)."""
        for target in self.targets_for(model):
            if target.model == model:
                window = await target.endpoint.catalog.window(model)
                if window is not None:
                    return window
        return None

    async def _usable(self, target: Target, tally: _Tally) -> bool:
        """Passes the window gate; after a context-length error, only a larger (or unknown) window."""
        if not self._min_window and tally.context_floor is None:
            return True
        window = await target.endpoint.catalog.window(target.model)
        if window is not None and window < self._min_window:
            log.info("skipping %s: its %d-token window is under the %d-token minimum",
                     target.label, window, self._min_window)
            return False
        return tally.context_floor is None or window is None or window > tally.context_floor

    async def _settle(
        self, target: Target, err: ModelError, attempt: int, attempts: int, tally: _Tally, *, last: bool,
        trial: bool = False,
    ) -> float | None:
        """Book the failure; return how long to wait before retrying this target, or None."""
        if err.retryable:
            # A target that let a whole timeout pass is not retried while another one is left.
            spent = attempt + 1 >= attempts or (err.kind is ModelErrorKind.TIMEOUT and not last)
            wait = None if spent else self._policy.delay(attempt, err.retry_after)
            if wait is None:
                rest = await self._health.failed(target.key, err.kind, err.retry_after, trial=trial)
                log.warning("%s rests; tried again in %.1f s (class=%s)", target.label, rest, err.kind)
                tally.errors.append((target, err))
                tally.waits.append((target, rest, err.kind))
            return wait
        if err.kind is ModelErrorKind.CONTEXT:
            catalog = target.endpoint.catalog
            if err.context_window:
                await catalog.learn_window(target.model, err.context_window)
            # No number in the error: ask the server which window it runs with.
            window = err.context_window or await catalog.discover_window(target.model) \
                or await catalog.window(target.model)
            tally.context = tally.context or err
            if window:
                tally.context_floor = max(tally.context_floor or 0, window)
            return None
        tally.errors.append((target, err))
        return None

    async def _verdict(self, targets: list[Target], tally: _Tally) -> ModelError:
        """The one error the user sees when no target answered."""
        if tally.context is not None and not tally.waits:
            return tally.context
        if not tally.waits and not tally.errors:  # cannot happen: every skip books a reason
            return ModelError(ModelErrorKind.ALL_DOWN, "no target could be tried")
        if not tally.waits:  # only configuration problems: report the first (the primary's)
            target, err = tally.errors[0]
            if err.kind is ModelErrorKind.NOT_FOUND:
                err.suggestions = await target.endpoint.catalog.suggest(target.model, minimum=self._min_window)
            return err
        soonest = min(wait for _, wait, _ in tally.waits)
        if len({t.key for t, _, _ in tally.waits} | {t.key for t, _ in tally.errors}) == 1:
            target, _, kind = tally.waits[0]
            if tally.errors:
                err = tally.errors[-1][1]
                err.retry_after = max(err.retry_after or 0.0, soonest)
                return err
            return ModelError(
                kind, f"resting for {soonest:.1f} s after repeated failures", retry_after=soonest,
                target=target.endpoint.label, model=target.model,
            )
        return ModelError(
            ModelErrorKind.ALL_DOWN,
            f"all {len(targets)} targets failed or are cooling down; soonest back in {soonest:.1f} s",
            retry_after=soonest,
        )

    async def list_models(self) -> list[ModelInfo]:
        """The primary endpoint's models (what /model offers)."""
        return await self._routes[0].endpoint.client.list_models()

    async def aclose(self) -> None:
        closed: set[int] = set()
        for route in self._routes:
            client = route.endpoint.client
            if id(client) not in closed:
                closed.add(id(client))
                await client.aclose()

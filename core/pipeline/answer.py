"""Answer one chat message: history in, model out; returns the exchange to store."""

from __future__ import annotations

import logging
import time

from core.llm.base import ModelInfo
from core.llm.gate import check_window
from core.media.refusal import MediaRefusal
from core.outlet import Outlet, Resumable
from core.pipeline.attachments import explain_image_refusals, quoted, read_input
from core.pipeline.quota import over_line
from core.pipeline.refit import Prompt, answer_events
from core.reply.checkpoint import DETACHED, ReplyCheckpoint
from core.reply.stream import ReplyStream
from core.services import Core
from core.store.conversation_queue import Exchange
from core.store.ledger import Periods
from core.tokens import IMAGE_TOKENS, estimate_tokens
from core.types import AnswerFacts, Inbound, Turn

log = logging.getLogger(__name__)


def expired_note(session_ttl: int) -> str:
    """Said once above the first answer after a conversation was forgotten for its silence."""
    return (f"_(Our last conversation was more than {span(session_ttl)} ago and has been forgotten: "
            "this one starts fresh.)_\n\n")


def span(seconds: int) -> str:
    """604800 -> "7 days", 3600 -> "1 hour", 90 -> "2 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


async def answer(inbound: Inbound, core: Core, checkpoint: ReplyCheckpoint = DETACHED) -> Exchange | None:
    """Stream the reply; the caller stores the returned exchange as it acknowledges the message.

    A reply an earlier attempt left unfinished (this replica before Redis went away, or one
    that died) is continued in the messages it had sent, as its checkpoint says.
    """
    settings = core.settings
    conv = core.conversation(inbound)
    binding = core.binding(inbound)
    limits = binding.limits_for(inbound)
    periods = Periods.at()
    ctx = await core.contexts.load(conv, inbound.platform, inbound.user_id, inbound.chat_id, limits,
                                   periods=periods)
    pacer = core.pacer_for(inbound, limits, first_slot=ctx.first_slot)
    clock = core.metrics.clock(inbound.platform, inbound.received_at)
    model = ctx.model(settings.model_name)
    facts = AnswerFacts(model=model, first=not ctx.history)
    outlet = _resumed(binding.outlet_for(inbound, pacer, facts=facts), checkpoint, ctx.reply_checkpoint)
    # Queued while under budget, answered after earlier answers spent it: refused all the same.
    over = None if ctx.quota is None or core.access.is_admin(inbound) else core.ledger.over(ctx.quota, periods)
    if over is not None:
        await outlet.notice(over_line(over, periods.now))
        clock.outcome("refused")
        return None
    if not model:
        await outlet.notice("No model is configured. The operator needs to set MODEL_NAME.")
        clock.outcome("error")
        return None
    known = await core.model_window(model)
    window = known or settings.min_context_tokens  # unknown: assume the minimum the gate lets through
    refusal = check_window(ModelInfo(model, window), settings.min_context_tokens)
    if refusal:
        await outlet.notice(f"{refusal} Pick another with /model.")
        clock.outcome("refused")
        return None
    if inbound.attachments:
        await outlet.typing()  # downloads and transcription take a moment
    try:
        said = await read_input(inbound, core, model)
    except MediaRefusal as refused:
        await outlet.notice(refused.line)
        clock.outcome("refused")
        return None
    user_tokens = estimate_tokens(said.prompt) + IMAGE_TOKENS * len(said.images)
    prompt = Prompt(model, ctx.chat_prompt or settings.system_prompt, ctx.history, said.prompt, user_tokens,
                    settings.reply_reserve_tokens, said.images)
    fitted = prompt.fit(window)
    if fitted is None:
        await outlet.notice(prompt.too_long(known))
        clock.outcome("refused")
        return None
    if fitted.dropped:
        log.debug("conversation %s: %d old turns left out to fit %d tokens", conv, fitted.dropped, window)
    events = answer_events(core.model, core.catalog, prompt, fitted, window, settings.min_context_tokens)
    if said.images:
        events = explain_image_refusals(events, core, model)

    started = time.time()
    with core.interrupts.watch(conv, ctx.marks) as watch, clock.streaming():
        preface = (expired_note(settings.session_ttl) if ctx.expired else "") + quoted(said.heard)
        stream = ReplyStream(outlet, stop_requested=watch.requested, stop_signal=watch.signal, pacer=pacer,
                             preface=preface, clock=clock, on_screen=bool(checkpoint.saved))
        outcome = await stream.run(events)
    clock.outcome(outcome.label())
    log.debug("reply in %s ended: %s, %d characters", conv, outcome.label(), len(outcome.text))
    if outcome.error is not None:
        log.warning("model error for %s (model %s): %s", conv, model, outcome.error)
    if not outcome.text.strip():
        return None
    turns = (
        Turn("user", said.remembered, started, estimate_tokens(said.remembered)),  # words and markers, no bytes
        Turn("assistant", outcome.text, time.time(), estimate_tokens(outcome.text)),
    )
    input_tokens = outcome.input_tokens or fitted.prompt_tokens
    output_tokens = outcome.output_tokens or turns[1].tokens
    core.metrics.used_tokens(input_tokens, output_tokens)
    return Exchange(
        history_key=core.keys.history(conv),
        stop_key=core.keys.stop(conv),
        usage_key=core.keys.usage(inbound.platform, inbound.user_id),
        reset_mark=ctx.marks.resets,  # a /reset since then means this exchange is forgotten
        history_ttl=settings.session_ttl,
        max_turns=settings.max_history_turns,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        turns=tuple(t.to_json() for t in turns),
        spending=core.ledger.spending(inbound.platform, inbound.user_id, inbound.user_name, model, Periods.at()),
    )


def _resumed(outlet: Outlet, checkpoint: ReplyCheckpoint, stored: bytes | None) -> Outlet:
    if isinstance(outlet, Resumable) and checkpoint is not DETACHED:
        checkpoint.found(stored)
        checkpoint.attach(outlet.snapshot)
        outlet.resume(checkpoint, checkpoint.saved)
    return outlet

"""Answer one chat message: history in, model out; returns the exchange to store."""

from __future__ import annotations

import logging
import time

from core.llm.base import ModelInfo
from core.llm.gate import check_window
from core.pipeline.quota import over_line
from core.pipeline.refit import Prompt, answer_events
from core.reply.stream import ReplyStream
from core.services import Core
from core.store.conversation_queue import Exchange
from core.store.ledger import Periods
from core.tokens import estimate_tokens
from core.types import Inbound, Turn

log = logging.getLogger(__name__)


async def answer(inbound: Inbound, core: Core) -> Exchange | None:
    """Stream the reply; the caller stores the returned exchange as it acknowledges the message."""
    settings = core.settings
    conv = core.conversation(inbound)
    binding = core.binding(inbound)
    limits = binding.limits_for(inbound)
    periods = Periods.at()
    ctx = await core.contexts.load(conv, inbound.platform, inbound.user_id, inbound.chat_id,
                                   limits.min_edit_interval, periods=periods)
    pacer = core.pacer_for(inbound, limits, first_slot=ctx.first_slot)
    outlet = binding.outlet_for(inbound, pacer)
    # Queued while under budget, answered after earlier answers spent it: refused all the same.
    over = None if ctx.quota is None or core.access.is_admin(inbound) else core.ledger.over(ctx.quota, periods)
    if over is not None:
        await outlet.notice(over_line(over, periods.now))
        return None
    model = ctx.model(settings.model_name)
    if not model:
        await outlet.notice("No model is configured. The operator needs to set MODEL_NAME.")
        return None
    known = await core.model_window(model)
    window = known or settings.min_context_tokens  # unknown: assume the minimum the gate lets through
    refusal = check_window(ModelInfo(model, window), settings.min_context_tokens)
    if refusal:
        await outlet.notice(f"{refusal} Pick another with /model.")
        return None
    user_tokens = estimate_tokens(inbound.text)
    prompt = Prompt(model, ctx.chat_prompt or settings.system_prompt, ctx.history, inbound.text, user_tokens,
                    settings.reply_reserve_tokens)
    fitted = prompt.fit(window)
    if fitted is None:
        await outlet.notice(prompt.too_long(known))
        return None
    if fitted.dropped:
        log.debug("conversation %s: %d old turns left out to fit %d tokens", conv, fitted.dropped, window)
    events = answer_events(core.model, core.catalog, prompt, fitted, window, settings.min_context_tokens)

    started = time.time()
    with core.interrupts.watch(conv, ctx.marks) as watch:
        stream = ReplyStream(outlet, stop_requested=watch.requested, stop_signal=watch.signal, pacer=pacer)
        outcome = await stream.run(events)
    if outcome.error is not None:
        log.warning("model error for %s (model %s): %s", conv, model, outcome.error)
    if not outcome.text.strip():
        return None
    turns = (
        Turn("user", inbound.text, started, user_tokens),
        Turn("assistant", outcome.text, time.time(), estimate_tokens(outcome.text)),
    )
    return Exchange(
        history_key=core.keys.history(conv),
        stop_key=core.keys.stop(conv),
        usage_key=core.keys.usage(inbound.platform, inbound.user_id),
        reset_mark=ctx.marks.resets,  # a /reset since then means this exchange is forgotten
        history_ttl=settings.session_ttl,
        max_turns=settings.max_history_turns,
        input_tokens=outcome.input_tokens or fitted.prompt_tokens,
        output_tokens=outcome.output_tokens or turns[1].tokens,
        turns=tuple(t.to_json() for t in turns),
        spending=core.ledger.spending(inbound.platform, inbound.user_id, inbound.user_name, model, Periods.at()),
    )

"""Answer one chat message: history in, model out; returns the exchange to store."""

from __future__ import annotations

import asyncio
import logging
import time

from core.budget import fit_history
from core.llm.base import ChatMessage, ModelInfo, ModelRequest
from core.llm.gate import check_window
from core.reply.stream import ReplyStream
from core.services import Core
from core.store.conversation_queue import Exchange
from core.tokens import estimate_tokens
from core.types import Inbound, Turn

log = logging.getLogger(__name__)


async def answer(inbound: Inbound, core: Core) -> Exchange | None:
    """Stream the reply; the caller stores the returned exchange as it acknowledges the message."""
    settings = core.settings
    conv = core.conversation(inbound)
    limits = core.binding(inbound).limits_for(inbound)
    ctx = await core.contexts.load(conv, inbound.platform, inbound.user_id, inbound.chat_id, limits)
    pacer = core.pacer_for(inbound, first_slot=ctx.first_slot)
    outlet = core.outlet_for(inbound, pacer)
    model = ctx.model_choice or settings.model_name
    if not model:
        await outlet.notice("No model is configured. The operator needs to set MODEL_NAME.")
        return None
    window = await core.model_window(model) or settings.min_context_tokens
    refusal = check_window(ModelInfo(model, window), settings.min_context_tokens)
    if refusal:
        await outlet.notice(f"{refusal} Pick another with /model.")
        return None
    user_tokens = estimate_tokens(inbound.text)
    fitted = fit_history(settings.system_prompt, ctx.history, user_tokens, window=window,
                         reply_reserve=settings.reply_reserve_tokens)
    if fitted is None:
        await outlet.notice("Your message is too long for this model's context window. Please shorten it.")
        return None
    if fitted.dropped:
        log.debug("conversation %s: %d old turns left out to fit %d tokens", conv, fitted.dropped, window)
    request = ModelRequest(
        model=model,
        system=settings.system_prompt,
        messages=(*(ChatMessage(t.role, t.text) for t in fitted.turns), ChatMessage("user", inbound.text)),
        max_tokens=settings.reply_reserve_tokens,
    )

    async def stop_requested() -> bool:
        return (await core.stops.snapshot(conv)).stops != ctx.marks.stops

    started = time.time()
    stop_signal = core.local_stops.setdefault(str(conv), asyncio.Event())
    try:
        stream = ReplyStream(outlet, stop_requested=stop_requested, stop_signal=stop_signal, pacer=pacer)
        outcome = await stream.run(core.model.stream(request))
    finally:
        core.local_stops.pop(str(conv), None)
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
    )

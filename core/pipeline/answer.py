"""Answer one chat message: history in, model out, turns and usage stored."""

from __future__ import annotations

import asyncio
import logging
import time

from core.budget import fit_history
from core.llm.base import ChatMessage, ModelRequest
from core.reply.stream import ReplyStream
from core.services import Core
from core.tokens import estimate_tokens
from core.types import Inbound, Turn

log = logging.getLogger(__name__)


async def answer(inbound: Inbound, core: Core) -> None:
    settings = core.settings
    conv = core.conversation(inbound)
    outlet = core.outlet_for(inbound)
    history = await core.history.load(conv)
    marks = await core.stops.snapshot(conv)
    model = await core.current_model(inbound)
    if not model:
        await outlet.notice("No model is configured. The operator needs to set MODEL_NAME.")
        return
    window = await core.catalog.window(model) or settings.min_context_tokens
    if window < settings.min_context_tokens:
        await outlet.notice(
            f"{model} has a context window of {window:,} tokens, under the "
            f"{settings.min_context_tokens:,} minimum. Pick another with /model."
        )
        return
    user_tokens = estimate_tokens(inbound.text)
    fitted = fit_history(settings.system_prompt, history, user_tokens, window=window,
                         reply_reserve=settings.reply_reserve_tokens)
    if fitted is None:
        await outlet.notice("Your message is too long for this model's context window. Please shorten it.")
        return
    if fitted.dropped:
        log.debug("conversation %s: %d old turns left out to fit %d tokens", conv, fitted.dropped, window)
    request = ModelRequest(
        model=model,
        system=settings.system_prompt,
        messages=(*(ChatMessage(t.role, t.text) for t in fitted.turns), ChatMessage("user", inbound.text)),
        max_tokens=settings.reply_reserve_tokens,
    )

    async def stop_requested() -> bool:
        return (await core.stops.snapshot(conv)).stops != marks.stops

    started = time.time()
    stop_signal = core.local_stops.setdefault(str(conv), asyncio.Event())
    try:
        stream = ReplyStream(outlet, stop_requested=stop_requested, stop_signal=stop_signal)
        outcome = await stream.run(core.model.stream(request))
    finally:
        core.local_stops.pop(str(conv), None)
    if outcome.error is not None:
        log.warning("model error for %s (model %s): %s", conv, model, outcome.error)
    if not outcome.text.strip():
        return
    if (await core.stops.snapshot(conv)).resets != marks.resets:
        return  # /reset arrived while answering: this exchange belongs to the forgotten past
    await core.history.append(
        conv,
        Turn("user", inbound.text, started, user_tokens),
        Turn("assistant", outcome.text, time.time(), estimate_tokens(outcome.text)),
    )
    await core.usage.add(inbound.platform, inbound.user_id, outcome.input_tokens or fitted.prompt_tokens,
                         outcome.output_tokens or estimate_tokens(outcome.text))

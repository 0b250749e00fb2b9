"""Answer one chat message: history in, model out; returns the exchange to store."""

from __future__ import annotations

import logging
import time

from core.llm.base import ModelInfo
from core.llm.gate import check_window
from core.outlet import Outlet, Resumable
from core.pipeline.refit import Prompt, answer_events
from core.reply.checkpoint import DETACHED, ReplyCheckpoint
from core.reply.stream import ReplyStream
from core.services import Core
from core.store.conversation_queue import Exchange
from core.tokens import estimate_tokens
from core.types import Inbound, Turn

log = logging.getLogger(__name__)


async def answer(inbound: Inbound, core: Core, checkpoint: ReplyCheckpoint = DETACHED) -> Exchange | None:
    """Stream the reply; the caller stores the returned exchange as it acknowledges the message.

    A reply an earlier attempt left unfinished (this replica before Redis went away, or one
    that died) is continued in the messages it had sent, as its checkpoint says.
    """
    settings = core.settings
    conv = core.conversation(inbound)
    binding = core.binding(inbound)
    limits = binding.limits_for(inbound)
    ctx = await core.contexts.load(conv, inbound.platform, inbound.user_id, inbound.chat_id,
                                   limits.min_edit_interval)
    pacer = core.pacer_for(inbound, limits, first_slot=ctx.first_slot)
    outlet = _resumed(binding.outlet_for(inbound, pacer), checkpoint, ctx.reply_checkpoint)
    model = ctx.model_choice or settings.model_name
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
    prompt = Prompt(model, settings.system_prompt, ctx.history, inbound.text, user_tokens,
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
        stream = ReplyStream(outlet, stop_requested=watch.requested, stop_signal=watch.signal, pacer=pacer,
                             on_screen=bool(checkpoint.saved))
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
    )


def _resumed(outlet: Outlet, checkpoint: ReplyCheckpoint, stored: bytes | None) -> Outlet:
    if isinstance(outlet, Resumable) and checkpoint is not DETACHED:
        checkpoint.found(stored)
        checkpoint.attach(outlet.snapshot)
        outlet.resume(checkpoint, checkpoint.saved)
    return outlet

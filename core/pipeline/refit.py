"""The prompt of one answer, fitted to the model's window, and fitted once more when the
endpoint refuses it as too long (a helper of answer.py).

The window we fit to can be wrong: a proxy lists the model's trained window while the server
runs a smaller one, or nobody said and we assumed the minimum. A context error before any
text teaches the real window (the failover chain learns it from the error, or asks the
server); then older turns are dropped to fit it and the request is sent once more, or the
user hears that their message alone is too long, with the numbers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from core.budget import Fitted, fit_history
from core.llm.base import ChatMessage, ImagePart, ModelEvent, ModelInfo, ModelRequest, TextDelta
from core.llm.catalog import Catalog
from core.llm.errors import ModelError, ModelErrorKind, message_too_long
from core.llm.failover import FailoverChain
from core.llm.gate import check_window
from core.types import Turn

# Our token estimate fell short when the server refuses a prompt we fitted to its own window:
# the second fit leaves this share of the window unused.
ESTIMATE_MARGIN = 0.25


@dataclass(frozen=True)
class Prompt:
    model: str
    system: str
    history: list[Turn]
    text: str
    text_tokens: int  # the new message's, its images included
    reply_reserve: int
    images: tuple[ImagePart, ...] = ()  # sent with the new message

    def fit(self, window: int) -> Fitted | None:
        """The history that fits `window`, or None when the new message alone does not."""
        return fit_history(self.system, self.history, self.text_tokens, window=window,
                           reply_reserve=self.reply_reserve)

    def request(self, fitted: Fitted) -> ModelRequest:
        turns = (*(ChatMessage(t.role, t.text) for t in fitted.turns), ChatMessage("user", self.text, self.images))
        return ModelRequest(model=self.model, system=self.system, messages=turns, max_tokens=self.reply_reserve)

    def too_long(self, window: int | None) -> str:
        return message_too_long(self.model, self.text_tokens, window)


async def answer_events(
    chain: FailoverChain, catalog: Catalog, prompt: Prompt, fitted: Fitted, window: int, minimum: int
) -> AsyncGenerator[ModelEvent, None]:
    """The chain's events for the fitted prompt; after a context error before any text, one more
    try fitted to the window the endpoint taught us, or a ModelError that says what to do."""
    try:
        async with aclosing(_events(chain, prompt, fitted)) as events:
            async for event in events:
                yield event
        return
    except _Refused as refused:
        err = refused.error
    known = await catalog.window(prompt.model)  # the chain learned it from the error, or asked the server
    if known is not None:
        refusal = check_window(ModelInfo(prompt.model, known), minimum)
        if refusal:
            err.advice = f"{refusal} Pick another with /model."
            raise err
    smaller = known if known is not None and known < window else int(window * (1 - ESTIMATE_MARGIN))
    refit = prompt.fit(smaller)
    if refit is None:
        err.advice = prompt.too_long(known)
        raise err
    if len(refit.turns) >= len(fitted.turns):  # nothing left to drop: the same prompt would fail again
        if not fitted.turns:
            err.advice = prompt.too_long(known)
        raise err
    try:
        async with aclosing(_events(chain, prompt, refit)) as events:
            async for event in events:
                yield event
    except _Refused as again:
        if not refit.turns:
            again.error.advice = prompt.too_long(known)
        raise again.error from None


class _Refused(Exception):
    """A context-length error before any text: worth one more fit."""

    def __init__(self, error: ModelError) -> None:
        super().__init__(str(error))
        self.error = error


async def _events(chain: FailoverChain, prompt: Prompt, fitted: Fitted) -> AsyncGenerator[ModelEvent, None]:
    said = False
    try:
        async with aclosing(chain.stream(prompt.request(fitted))) as events:
            async for event in events:
                said = said or isinstance(event, TextDelta)
                yield event
    except ModelError as err:
        if err.kind is ModelErrorKind.CONTEXT and not said:
            raise _Refused(err) from None
        raise

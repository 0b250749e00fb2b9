"""The minimum-window gate: a model whose window is too small is refused, with the numbers."""

from __future__ import annotations

from core.llm.base import ModelInfo


def tokens_k(tokens: int) -> str:
    """128000 -> "128K", 131072 -> "131K", 900 -> "900"."""
    return f"{tokens // 1000}K" if tokens >= 1000 else str(tokens)


def check_window(info: ModelInfo, minimum: int) -> str | None:
    """The refusal message when the window is known and under `minimum`, else None."""
    window = info.context_window
    if window is None or window >= minimum:
        return None
    return (
        f"{info.id} has a context window of {window:,} tokens ({tokens_k(window)}), "
        f"under the {minimum:,}-token minimum ({tokens_k(minimum)})."
    )


def window_warning(info: ModelInfo, minimum: int) -> str | None:
    """The warning for a model whose window nobody reports (it is allowed)."""
    if info.context_window is not None:
        return None
    return (
        f"The endpoint does not say how large {info.id}'s context window is; assuming it meets "
        f"the {minimum:,}-token minimum. Set MODEL_CONTEXT_WINDOW if it does not."
    )

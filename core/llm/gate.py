"""The minimum-window gate: a model whose window is too small is refused, with the numbers."""

from __future__ import annotations

from enum import StrEnum

from core.llm.base import ModelInfo


class Unknown(StrEnum):
    """Why a model's window is not known."""

    NOT_SAID = "not_said"  # listed, without a window
    NOT_LISTED = "not_listed"  # the list does not have the model
    NO_LIST = "no_list"  # the list could not be read


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


def usable(info: ModelInfo, minimum: int) -> bool:
    """Passes the gate: a known window of at least `minimum`, or an unknown one."""
    return info.context_window is None or info.context_window >= minimum


def window_warning(info: ModelInfo, minimum: int, why: Unknown = Unknown.NOT_SAID, detail: str = "") -> str | None:
    """The warning for a model whose window nobody reports (it is allowed), saying why it is unknown."""
    if info.context_window is not None:
        return None
    assume = f"assuming it meets the {minimum:,}-token minimum. Set MODEL_CONTEXT_WINDOW if it does not."
    if why is Unknown.NOT_LISTED:
        return f"{info.id} is not in the endpoint's model list, so its context window is unknown; {assume}"
    if why is Unknown.NO_LIST:
        reason = f" ({detail})" if detail else ""
        return f"The endpoint's models could not be listed{reason}, so {info.id}'s context window is unknown; {assume}"
    return f"The endpoint does not say how large {info.id}'s context window is; {assume}"

"""Model failures sorted into kinds a user can act on and an operator can grep."""

from __future__ import annotations

from enum import StrEnum

from core.logs.redaction import redact


class ModelErrorKind(StrEnum):
    AUTH = "auth"  # 401/403: the key is wrong or lacks access
    NOT_FOUND = "not_found"  # the model is unknown to the endpoint
    NO_ROUTE = "no_route"  # the API path is unknown: wrong base URL (missing /v1?) or API mode
    CONTEXT = "context_too_long"
    RATE_LIMITED = "rate_limited"
    QUOTA = "quota"  # 429 insufficient_quota: retrying will not help
    UNAVAILABLE = "unavailable"  # 5xx, 529, connection refused
    TIMEOUT = "timeout"
    BAD_REQUEST = "bad_request"
    TRUNCATED = "truncated"  # the stream ended without a finish
    PROTOCOL = "protocol"  # the endpoint spoke something we do not understand
    ALL_DOWN = "all_down"  # every failover target failed or is cooling down


RETRYABLE = {
    ModelErrorKind.RATE_LIMITED,
    ModelErrorKind.UNAVAILABLE,
    ModelErrorKind.TIMEOUT,
    ModelErrorKind.TRUNCATED,
    ModelErrorKind.PROTOCOL,  # a garbled chunk is usually a one-off; a second try costs little
}


def _seconds(value: float) -> str:
    return f"about {max(1, round(value))} s"


def message_too_long(model: str, message_tokens: int, window: int | None) -> str:
    """The user's line when their message alone does not fit the model's window."""
    name = f" for {model}" if model else ""
    if window is None:
        return f"Your message is too long{name} (about {message_tokens:,} tokens). Please shorten it."
    return (
        f"Your message is too long{name}: about {message_tokens:,} tokens, and the model takes "
        f"{window:,} in all, its answer included. Please shorten it."
    )


class ModelError(Exception):
    """A failed model call; `detail` is safe to log (never holds a key)."""

    def __init__(
        self,
        kind: ModelErrorKind,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        target: str = "",
        model: str = "",
        suggestions: tuple[str, ...] = (),
        context_window: int | None = None,
        advice: str = "",
    ) -> None:
        detail = redact(detail)
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.target = target
        self.model = model
        self.suggestions = suggestions
        self.context_window = context_window  # the window an error message stated, if any
        self.advice = advice  # the user's line, when whoever raised this knew better than the kind

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    def log_line(self) -> str:
        """The operator's one line: class, target, status, then the endpoint's own words."""
        status = self.status if self.status is not None else "-"
        return (
            f"model call failed class={self.kind} target={self.target or '-'} "
            f"model={self.model or '-'} status={status} detail={self.detail}"
        )

    def user_message(self) -> str:
        """One short line a chat user can act on."""
        k = self.kind
        if self.advice:
            return self.advice
        if k is ModelErrorKind.AUTH:
            return "The model endpoint rejected the key. The operator needs to fix MODEL_API_KEY."
        if k is ModelErrorKind.NOT_FOUND:
            name = f" {self.model!r}" if self.model else ""
            hint = f" Did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
            return f"Model{name} not found.{hint} Use /model to pick another."
        if k is ModelErrorKind.NO_ROUTE:
            return (
                "The model endpoint's address or API mode is misconfigured. "
                "The operator can run `switchboard doctor`."
            )
        if k is ModelErrorKind.CONTEXT:
            return "This conversation is too long for the model. Send /reset to start over."
        if k is ModelErrorKind.RATE_LIMITED:
            wait = f" Try again in {_seconds(self.retry_after)}." if self.retry_after else ""
            return f"The model endpoint is rate limiting us.{wait}"
        if k is ModelErrorKind.QUOTA:
            return "The model account is out of quota. The operator needs to top it up."
        if k is ModelErrorKind.TIMEOUT:
            return "The model took too long to answer. Please try again."
        if k is ModelErrorKind.UNAVAILABLE:
            wait = f" Try again in {_seconds(self.retry_after)}." if self.retry_after else ""
            return f"The model endpoint is unavailable right now.{wait}"
        if k is ModelErrorKind.ALL_DOWN:
            wait = f"Try again in {_seconds(self.retry_after)}." if self.retry_after else "Try again soon."
            return f"All model providers are down right now. {wait}"
        if k is ModelErrorKind.TRUNCATED:
            return "The model's answer was cut off. Please try again."
        return "The model endpoint refused the request. The operator can run `switchboard doctor`."

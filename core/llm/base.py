"""The one interface the core uses to talk to any model endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from core.types import Role

ApiMode = Literal["auto", "chat", "responses", "anthropic"]


@dataclass(frozen=True)
class ImagePart:
    """One image of a message, platform- and API-neutral; each API mode renders its own form."""

    media_type: str  # image/jpeg, image/png, image/gif or image/webp
    base64: str  # the bytes, base64-encoded once (every mode sends them so)

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{self.base64}"


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str
    images: tuple[ImagePart, ...] = ()  # sent with the text; only the new message ever has any


@dataclass(frozen=True)
class ModelRequest:
    """A whole prompt: system text apart, because two of the three APIs want it apart."""

    model: str
    system: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class UsageReport:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Finished:
    reason: str  # "stop", "length", "content_filter", ...


@dataclass(frozen=True)
class Restarted:
    """The answer so far is void: a failover target starts over (the note says why)."""

    note: str


ModelEvent = TextDelta | UsageReport | Finished | Restarted


@dataclass(frozen=True)
class TokenPrices:
    """What one token costs, in US dollars."""

    input: float
    output: float


@dataclass(frozen=True)
class ModelInfo:
    id: str
    context_window: int | None = None  # tokens; None when the endpoint does not say
    vision: bool | None = None  # reads images; None when nobody says
    prices: TokenPrices | None = None  # from the catalog (OpenRouter `pricing`, LiteLLM `model_info`)


class ModelClient(Protocol):
    """Streams one answer; raises core.llm.errors.ModelError on failure."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]: ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def aclose(self) -> None: ...

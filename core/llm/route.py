"""The pieces of a failover chain: endpoints, the routes through them, concrete targets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from core.llm.base import ModelEvent, ModelInfo, ModelRequest
from core.llm.catalog import Catalog
from core.llm.urls import endpoint_id, safe_url


class EndpointClient(Protocol):
    """A ModelClient bound to one base URL (a fixed-mode WireClient or an AutoClient)."""

    base_url: str
    name: str

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]: ...

    async def list_models(self) -> list[ModelInfo]: ...

    async def server_window(self) -> int | None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Endpoint:
    name: str  # "primary", or the name given in endpoints.toml
    client: EndpointClient
    catalog: Catalog

    @property
    def label(self) -> str:
        """How logs name it: never with credentials."""
        return f"{self.name}({safe_url(self.client.base_url)})"


@dataclass(frozen=True)
class Route:
    """An endpoint and a model; model None means "the model the request asks for"."""

    endpoint: Endpoint
    model: str | None = None


@dataclass(frozen=True)
class Target:
    endpoint: Endpoint
    model: str

    @property
    def key(self) -> str:
        """Identifies the target in Redis across replicas (no URL or key in it)."""
        return f"{endpoint_id(self.endpoint.client.base_url)}:{self.model}"

    @property
    def label(self) -> str:
        return f"{self.endpoint.label}/{self.model}"

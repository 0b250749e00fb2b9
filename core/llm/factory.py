"""Build the model client the settings describe."""

from __future__ import annotations

import httpx

from core.config import Settings
from core.llm.base import ModelClient
from core.llm.chat import ChatCompletionsClient


def http_client(settings: Settings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        connect=settings.model_connect_timeout,
        read=settings.model_idle_timeout,
        write=30.0,
        pool=30.0,
    )
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    return httpx.AsyncClient(timeout=timeout, limits=limits)


def build_model_client(settings: Settings) -> ModelClient:
    """For now: the chat-completions client; the model-client issue adds modes and failover."""
    return ChatCompletionsClient(
        settings.model_base_url,
        settings.model_api_key.get_secret_value(),
        http_client(settings),
    )

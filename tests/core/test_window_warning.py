"""A default model whose window nobody reports is warned about once per endpoint and model,
not at every start of `switchboard chat` or `run`."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from core.config import Settings
from switchboard.assembly import assembled
from tests.fakes.model_server import FakeModelServer


async def test_the_unknown_window_is_warned_about_once(make_settings: Callable[..., Settings], redis: Redis,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="switchboard.assembly")
    async with FakeModelServer(models=[{"id": "mystery"}, {"id": "enigma"}]) as server:
        for model in ("mystery", "mystery", "enigma", "mystery"):
            async with assembled(make_settings(model_base_url=server.base_url, model_name=model), redis=redis):
                pass
    warned = [(r.levelno, r.getMessage().split("'s context")[0].split()[-1]) for r in caplog.records
              if "context window is" in r.getMessage()]
    assert warned == [(logging.WARNING, "mystery"), (logging.DEBUG, "mystery"), (logging.WARNING, "enigma"),
                      (logging.DEBUG, "mystery")]

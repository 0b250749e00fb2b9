"""Whether long polling works right now: aiogram retries a failing getUpdates by itself and
never says so, so a request middleware watches each getUpdates answer (for /readyz)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class PollingHealth(BaseRequestMiddleware):
    """`failing` is True from a getUpdates that raised until the next one that answered."""

    def __init__(self) -> None:
        self.failing = False

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        polls = isinstance(method, GetUpdates)  # kept apart: narrowing `method` would lose its type
        if not polls:
            return await make_request(bot, method)
        try:
            response = await make_request(bot, method)
        except Exception:
            self.failing = True
            raise
        self.failing = False
        return response

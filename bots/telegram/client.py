"""The aiogram Bot the settings describe, and closing it."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer

from bots.telegram.settings import TelegramSettings


def make_bot(settings: TelegramSettings) -> Bot:
    """TELEGRAM_API_BASE points it at a self-hosted Bot API server (or a test fake)."""
    token = settings.bot_token.get_secret_value().strip()
    base = settings.api_base
    api = TelegramAPIServer.from_base(base) if base else PRODUCTION
    # The token's shape was checked with the settings. Link previews off: a reply is edited
    # many times and a preview would jump around.
    return Bot(token, session=AiohttpSession(api=api), default=DefaultBotProperties(link_preview_is_disabled=True))


async def close_bot(bot: Bot) -> None:
    session = bot.session
    if isinstance(session, AiohttpSession) and session.api.base.startswith("http://"):
        # aiogram waits 250 ms for TLS connections to wind down; plain HTTP has none.
        await (await session.create_session()).close()
    await session.close()

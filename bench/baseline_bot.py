"""The baseline: a minimal aiogram + httpx bot with no memory, locks, pacing or failover.

It answers each private message by streaming the model, showing one draft at the first
token and sending the whole text at the end: the least a streaming bot can do.
"""

from __future__ import annotations

import asyncio
import json
import os

import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


def main() -> None:
    try:  # the same event loop as the gateway, so the ratio compares features, not loops
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    token = os.environ["TELEGRAM_BOT_TOKEN"]
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(token, session=session)
    dp = Dispatcher()
    http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=None, max_keepalive_connections=500))
    url = os.environ["MODEL_BASE_URL"].rstrip("/") + "/chat/completions"
    model = os.environ["MODEL_NAME"]

    @dp.message()
    async def answer(message: Message) -> None:
        body = {"model": model, "stream": True, "messages": [{"role": "user", "content": message.text or ""}]}
        parts: list[str] = []
        async with http.stream("POST", url, json=body) as resp:
            async for line in resp.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                for choice in json.loads(line[6:]).get("choices", []):
                    piece = choice.get("delta", {}).get("content")
                    if piece:
                        if not parts:
                            await bot.send_message_draft(chat_id=message.chat.id, draft_id=1, text=piece)
                        parts.append(piece)
        await bot.send_message(message.chat.id, "".join(parts))

    app = web.Application()
    app.router.add_get("/healthz", lambda _: web.json_response({"ok": True}))
    SimpleRequestHandler(dp, bot, handle_in_background=True).register(app, path="/tg/webhook")
    web.run_app(app, host="127.0.0.1", port=int(os.environ["HTTP_PORT"]), print=lambda *_: None,
                handle_signals=True)
    asyncio.run(http.aclose())


if __name__ == "__main__":
    main()

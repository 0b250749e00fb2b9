"""The bare bots: aiogram plus one HTTP client, no memory, locks, pacing or failover.

`python bench/baseline_bot.py aiohttp` streams the model with aiohttp (the floor every
figure is divided by); `... httpx` with httpx on its default transport (the earlier
baseline). Each answers a private message by streaming the model, showing one draft at
the first token and sending the whole text at the end: the least a streaming bot can do.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

Lines = Callable[[dict[str, object]], AsyncIterator[bytes | str]]


def httpx_lines(url: str) -> tuple[Lines, Callable[[], Awaitable[None]]]:
    http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=None, max_keepalive_connections=500))

    async def lines(body: dict[str, object]) -> AsyncIterator[bytes | str]:
        async with http.stream("POST", url, json=body) as resp:
            async for line in resp.aiter_lines():
                yield line

    return lines, http.aclose


def aiohttp_lines(url: str) -> tuple[Lines, Callable[[], Awaitable[None]]]:
    session: list[aiohttp.ClientSession] = []  # made on the running loop, at the first message

    async def lines(body: dict[str, object]) -> AsyncIterator[bytes | str]:
        if not session:
            session.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        async with session[0].post(url, json=body) as resp:
            async for line in resp.content:
                yield line

    async def close() -> None:
        if session:
            await session[0].close()

    return lines, close


def main() -> None:
    try:  # the same event loop as the gateway, so the ratio compares features, not loops
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    client = sys.argv[1] if len(sys.argv) > 1 else "aiohttp"
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(token, session=session)
    dp = Dispatcher()
    url = os.environ["MODEL_BASE_URL"].rstrip("/") + "/chat/completions"
    model = os.environ["MODEL_NAME"]
    lines, close = (aiohttp_lines if client == "aiohttp" else httpx_lines)(url)

    @dp.message()
    async def answer(message: Message) -> None:
        body: dict[str, object] = {"model": model, "stream": True,
                                   "messages": [{"role": "user", "content": message.text or ""}]}
        parts: list[str] = []
        async for raw in lines(body):
            line = raw.decode() if isinstance(raw, bytes) else raw
            if not line.startswith("data: ") or line.startswith("data: [DONE]"):
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

    async def closing(_: web.Application) -> None:
        await close()

    app.on_cleanup.append(closing)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["HTTP_PORT"]), print=lambda *_: None,
                handle_signals=True, shutdown_timeout=2.0)


if __name__ == "__main__":
    main()

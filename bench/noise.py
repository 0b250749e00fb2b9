"""`python -m bench.noise`: how many log lines bad input and a Redis outage write.

The real gateway (`switchboard run`, Telegram webhook mode, LOG_LEVEL=INFO) against the fake
Telegram Bot API, the fake model server and a throwaway redis-server. Two phases, counted apart:

1. 200 malformed Telegram webhook bodies (not JSON, not an object, not an Update, updates with
   missing or mistyped fields, updates nobody handles), each with the right secret;
2. 200 malformed Slack HTTP-events bodies (not JSON, broken forms, events missing their fields,
   signed and unsigned);
3. a Redis outage of 6.6 s while a message arrives every 0.2 s, then Redis back and one message
   answered.

`--code DIR` runs the gateway from another checkout (e.g. `git archive main | tar -x -C DIR`) in
this venv, for before/after figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench.procs import Process, free_port, switchboard_argv
from tests.fakes.model_server import FakeModelServer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_models import signed_headers
from tests.fakes.telegram_api import FakeTelegram
from tests.redis_server import RedisServer

SECRET = "noise-secret"
PATH = "/tg/webhook"
OUTAGE = 6.6  # seconds, as in the figure
SETTLE = 1.0  # seconds for the last lines to be written after a phase


def malformed(n: int) -> list[bytes]:
    """`n` bodies Telegram would never send, in a dozen shapes."""
    user = {"id": 77, "is_bot": False, "first_name": "Mallory"}
    chat = {"id": 77, "type": "private"}
    shapes: list[Any] = [
        b"not json {",
        b"",
        b"[1, 2, 3]",
        b'"just a string"',
        {"no_update_id": True},
        {"update_id": "seven"},
        {"update_id": 1, "message": {"text": "hi"}},
        {"update_id": 1, "message": {"message_id": 1, "date": "yesterday", "chat": {"id": "x"}}},
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": ["a"]}},
        {"update_id": 1, "callback_query": {"id": "1", "from": user, "chat_instance": "c", "data": "/model"}},
        {"update_id": 1, "edited_message": {"message_id": 1, "date": 0, "chat": chat, "from": user, "text": "x"}},
        {"update_id": 1, "poll": {"id": "p"}},
        {"update_id": 1, "unknown_kind": {"x": 1}},
    ]
    bodies = []
    for i, shape in zip(range(n), itertools.cycle(shapes), strict=False):
        if isinstance(shape, bytes):
            bodies.append(shape)
        else:
            shape = json.loads(json.dumps(shape))
            if isinstance(shape.get("update_id"), int):
                shape["update_id"] = 10_000 + i
            bodies.append(json.dumps(shape).encode())
    return bodies


def malformed_slack(n: int, secret: str) -> list[tuple[bytes, dict[str, str]]]:
    """`n` Slack requests no Slack would send: half signed (they pass the check), half not."""
    bodies: list[tuple[bytes, str]] = [
        (b"not json {", "application/json"),
        (b"", "application/json"),
        (b'{"type": "event_callback"', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"type": "event_callback"}', "application/json"),
        (b'{"type": "event_callback", "event": {"type": "message"}}', "application/json"),
        (b'{"type": "event_callback", "event": {"type": "app_mention", "text": 5}}', "application/json"),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b'{"type": "block_actions"}', "application/json"),
        (b'{"type": "url_verification"}', "application/json"),
    ]
    out = []
    for i, (body, kind) in zip(range(n), itertools.cycle(bodies), strict=False):
        headers = signed_headers(secret, body, content_type=kind) if i % 2 == 0 else {"Content-Type": kind}
        out.append((body, headers))
    return out


def lines(path: Path) -> int:
    return len(path.read_bytes().splitlines())


def argv_for(code: Path | None) -> list[str]:
    if code is None:
        return switchboard_argv()
    boot = f"import sys; sys.path.insert(0, {str(code.resolve())!r}); from switchboard.cli import main; main()"
    return [sys.executable, "-c", boot, "run"]


async def post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    headers = headers or {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    try:
        async with session.post(url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def measure(code: Path | None, workdir: Path) -> dict[str, Any]:
    async with RedisServer() as redis, FakeTelegram() as tg, FakeSlack() as slack, FakeModelServer(
            models=[{"id": "fake-large", "context_length": 128000}]) as model:
        port = free_port()
        env = {
            "PATH": "/usr/bin:/bin", "MODEL_BASE_URL": model.base_url, "MODEL_NAME": "fake-large",
            "MODEL_API_KEY": "sk-noise-secret-key", "REDIS_URL": redis.url, "REDIS_PREFIX": "noise:",
            "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE": tg.base_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{PATH}", "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port), "LOG_LEVEL": "INFO",
            "USER_MESSAGES_PER_MINUTE": "0",
        }
        log = workdir / "gateway.log"
        proc = Process(argv_for(code), env, port, log)
        try:
            await proc.start()
        except RuntimeError:
            print(log.read_text(), file=sys.stderr)
            raise
        url = f"http://127.0.0.1:{port}{PATH}"
        chats = itertools.count(5000)
        try:
            async with aiohttp.ClientSession() as session:
                async def say(text: str) -> tuple[int, int]:
                    chat = next(chats)
                    update = tg.user_message(chat, chat, text, push=False)
                    return chat, await post(session, url, json.dumps(update).encode())

                async def answered(chat: int, timeout: float) -> None:
                    await tg.wait_for(lambda: tg.final_texts(chat), timeout, what=f"an answer in chat {chat}")

                chat, _ = await say("warm up")
                await answered(chat, 30)
                start = lines(log)
                statuses: dict[int, int] = {}
                for body in malformed(200):
                    status = await post(session, url, body)
                    statuses[status] = statuses.get(status, 0) + 1
                await asyncio.sleep(SETTLE)  # the harness waits for stragglers; nothing is timed by it
                after_bodies = lines(log)
                slack_statuses: dict[int, int] = {}
                for body, headers in malformed_slack(200, slack.signing_secret):
                    status = await post(session, f"http://127.0.0.1:{port}/slack/events", body, headers)
                    slack_statuses[status] = slack_statuses.get(status, 0) + 1
                await asyncio.sleep(SETTLE)
                after_slack = lines(log)

                await redis.kill()
                loop = asyncio.get_running_loop()
                until = loop.time() + OUTAGE
                sent = []
                while loop.time() < until:
                    sent.append(asyncio.create_task(say("during the outage")))
                    await asyncio.sleep(0.2)  # one message every 0.2 s: the traffic of the outage
                await redis.start()
                outage_statuses: dict[int, int] = {}
                for task in sent:
                    _, status = await task
                    outage_statuses[status] = outage_statuses.get(status, 0) + 1
                chat, _ = await say("after the outage")
                await answered(chat, 30)
                await asyncio.sleep(SETTLE)
                after_outage = lines(log)
        finally:
            await proc.stop()
        return {
            "telegram_malformed_bodies": 200, "telegram_lines": after_bodies - start, "telegram_statuses": statuses,
            "slack_malformed_bodies": 200, "slack_lines": after_slack - after_bodies, "slack_statuses": slack_statuses,
            "outage_seconds": OUTAGE, "outage_messages": len(sent), "outage_lines": after_outage - after_slack,
            "outage_statuses": outage_statuses, "log": str(log),
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.noise")
    parser.add_argument("--code", type=Path, help="run the gateway from this checkout instead")
    parser.add_argument("--keep-log", type=Path, help="copy the gateway's log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-noise-") as tmp:
        result = asyncio.run(measure(args.code, Path(tmp)))
        if args.keep_log:
            with contextlib.suppress(OSError):
                args.keep_log.write_bytes(Path(result["log"]).read_bytes())
    result.pop("log")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Log lines: a failure that repeats is told once with its traceback then counted, secrets are
masked even inside tracebacks, JSON lines parse and carry the message's correlation id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from core.config import Settings
from core.gateway import Gateway
from core.logs.correlation import CorrelationFilter, correlated, correlation_id
from core.logs.redaction import RedactionFilter, redact, secret_values
from core.logs.repeats import RepeatFilter
from core.logs.setup import configure, uninstall
from core.types import Inbound
from tests.fakes.memory_platform import MemoryPlatform
from tests.helpers import inbound

TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@dataclass
class Repeats:
    logger: logging.Logger
    lines: Lines
    clock: Clock
    filter: RepeatFilter


@pytest.fixture
def repeats() -> Iterator[Repeats]:
    """A logger whose one handler holds back repeats, on a clock the test moves."""
    clock, lines = Clock(), Lines()
    flt = RepeatFilter(lines, clock=clock)
    lines.addFilter(flt)
    logger = logging.getLogger("test.repeats")
    logger.addHandler(lines)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield Repeats(logger, lines, clock, flt)
    logger.removeHandler(lines)
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def fail(logger: logging.Logger, event: int, exc: Exception) -> None:
    try:
        raise exc
    except Exception:
        logger.exception("failed to handle event %s", event)


def test_a_repeating_failure_logs_its_traceback_once_then_a_count_per_minute(repeats: Repeats) -> None:
    logger, lines, clock, flt = repeats.logger, repeats.lines, repeats.clock, repeats.filter
    for event in range(200):
        fail(logger, event, ConnectionError("Redis went away"))
        clock.now += 0.1  # 200 failures over 20 s
    assert len(lines.records) == 1 and lines.records[0].exc_info is not None
    clock.now += 40  # a minute after the first
    flt.flush_due()
    assert len(lines.records) == 2
    summary = lines.texts()[1]
    assert summary.startswith("failed to handle event 0 [199 more like this in the last 60 s")
    assert lines.records[1].exc_info is None
    clock.now += 60
    flt.flush_due()
    assert len(lines.records) == 2  # nothing held back since: nothing to say


def test_different_causes_are_each_logged(repeats: Repeats) -> None:
    logger, lines = repeats.logger, repeats.lines
    fail(logger, 1, ConnectionError("down"))
    fail(logger, 2, ValueError("a bug"))
    logger.warning("lost the lease on %s", "conv-1")
    logger.warning("lost the lease on %s", "conv-2")  # the same cause: held back
    logger.info("ordinary news %s", 1)
    logger.info("ordinary news %s", 2)  # under WARNING: never held back
    assert lines.texts() == ["failed to handle event 1", "failed to handle event 2", "lost the lease on conv-1",
                             "ordinary news 1", "ordinary news 2"]


def test_after_a_quiet_spell_the_failure_is_news_again(repeats: Repeats) -> None:
    logger, lines, clock = repeats.logger, repeats.lines, repeats.clock
    fail(logger, 1, ConnectionError("down"))
    clock.now += 11 * 60
    fail(logger, 2, ConnectionError("down"))
    assert [r.exc_info is not None for r in lines.records] == [True, True]


def test_secrets_are_masked_in_messages_and_tracebacks() -> None:
    settings = Settings(_env_file=None, model_api_key="sk-or-v1-live-secret-key",  # type: ignore[call-arg]
                        redis_url="redis://:hunter22@redis.internal:6379/0")
    lines = Lines()
    lines.addFilter(RedactionFilter([*secret_values(settings), "webhook-secret-value"]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(lines)
    logger.propagate = False
    try:
        logger.warning("calling with key %s", "sk-or-v1-live-secret-key")
        logger.warning("GET https://api.telegram.org/bot%s/getMe failed", TELEGRAM_TOKEN)
        logger.warning("slack said no to xoxb-1234-5678-abcdefghijkl and xapp-1-A0-123-abcdef")
        logger.warning("header X-Telegram-Bot-Api-Secret-Token: webhook-secret-value")
        try:
            raise RuntimeError("cannot connect to redis://:hunter22@redis.internal:6379/0")
        except RuntimeError:
            logger.exception("Redis failed")
    finally:
        logger.removeHandler(lines)
        logger.propagate = True
    formatter = logging.Formatter()
    out = "\n".join(formatter.format(r) for r in lines.records)
    for secret in ("sk-or-v1-live-secret-key", "live-secret", TELEGRAM_TOKEN, "AAHdqTcvCH1v", "hunter22",
                   "abcdefghijkl", "webhook-secret-value"):
        assert secret not in out
    assert "bot***/getMe" in out and "redis://:***@redis.internal" in out and "RuntimeError" in out


def test_known_key_shapes_are_masked_without_being_told() -> None:
    assert redact("Authorization: Bearer abcdef123456") == "Authorization: Bearer ***"
    assert redact(f"token {TELEGRAM_TOKEN}") == "token ***"
    assert redact("an ordinary line about 42 messages") == "an ordinary line about 42 messages"


async def test_json_lines_parse_and_carry_the_correlation_id(gateway: Gateway, platform: MemoryPlatform) -> None:
    out = io.StringIO()
    configure("DEBUG", "json", ["sk-test-secret"], stream=out)
    try:
        msg = inbound("hello there")
        await gateway.handle(msg)
        await gateway.join()
    finally:
        uninstall()
    assert platform.final_texts("chat-alice") == ["You said: hello there"]
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    cid = correlation_id(msg.platform, msg.event_id)
    about = [line for line in lines if line.get("cid") == cid]
    loggers = {line["logger"] for line in about}
    assert {"core.gateway", "core.llm.failover", "core.pipeline.answer"} <= loggers  # intake, model, reply
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert "sk-test-secret" not in out.getvalue()


async def test_one_drain_answering_two_messages_logs_each_with_its_own_id(gateway: Gateway,
                                                                         platform: MemoryPlatform) -> None:
    out = io.StringIO()
    configure("DEBUG", "json", stream=out)
    try:
        first, second = inbound("first"), inbound("second")
        await gateway.handle(first)  # its drain task starts with the first message's id...
        await gateway.handle(second)  # ...and answers this one too, queued behind it
        await gateway.join()
    finally:
        uninstall()
    assert platform.final_texts("chat-alice") == ["You said: first", "You said: second"]
    ends = [json.loads(line) for line in out.getvalue().splitlines()]
    ends = [line for line in ends if line["logger"] == "core.pipeline.answer" and "ended" in line["message"]]
    assert [line["cid"] for line in ends] == [correlation_id("memory", first.event_id),
                                               correlation_id("memory", second.event_id)]


async def test_the_innermost_message_names_the_lines_and_tasks_inherit_it() -> None:
    first, second = inbound("one"), inbound("two")
    lines = Lines()
    lines.addFilter(CorrelationFilter())
    logger = logging.getLogger("test.correlation")
    logger.addHandler(lines)
    logger.propagate = False

    async def in_a_task() -> None:
        logger.warning("from a task")

    try:
        with correlated(first):
            with correlated(second):
                logger.warning("about the second")
            await asyncio.create_task(in_a_task())
        logger.warning("about nothing")
    finally:
        logger.removeHandler(lines)
        logger.propagate = True
    assert [getattr(r, "cid", "") for r in lines.records] == [
        correlation_id("memory", second.event_id), correlation_id("memory", first.event_id), ""]


def test_the_id_is_the_same_wherever_it_is_computed() -> None:
    msg = Inbound(platform="telegram", event_id="4242:17", chat_id="1", user_id="1", text="hi")
    assert correlation_id("telegram", "4242:17") == correlation_id(msg.platform, msg.event_id)
    assert len(correlation_id("telegram", "4242:17")) == 12
    assert correlation_id("telegram", "4242:17") != correlation_id("slack", "4242:17")

"""The terminal chat answers in the terminal that asked, whichever process holds the conversation;
what it prints comes one reply at a time, with nothing else in the middle of an answer."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis

from bots.console import ConsoleAdapter
from bots.console.printer import PlainSink, Printer, logs_through
from bots.console.session import NOT_STORED, ChatSession
from bots.console.terminal import TERMINAL_HELP
from core.config import Settings
from core.gateway import Gateway
from core.reply.relay import RelayEvent
from switchboard.assembly import assembled
from tests.fakes.model_server import FakeModelServer
from tests.redis_server import RedisServer

Terminal = tuple[ConsoleAdapter, Gateway]


@pytest.fixture
async def terminals(make_settings: Callable[..., Settings], redis: Redis) -> AsyncIterator[Callable[..., object]]:
    """`await open_terminal(user, key)`: a terminal on a gateway of its own (a process of its own),
    all on the one Redis; `key` tells the model server which of them asked it."""
    async with AsyncExitStack() as stack:
        async def open_terminal(user: str, key: str) -> Terminal:
            adapter = ConsoleAdapter(user)
            running = await stack.enter_async_context(
                assembled(make_settings(model_api_key=key), [adapter], redis=redis))
            return adapter, running.gateway

        yield open_terminal


async def test_a_message_is_answered_in_the_terminal_that_asked_by_the_process_holding_it(
        terminals: Callable[..., object], model_server: FakeModelServer) -> None:
    first = await terminals("alice", "key-first")  # type: ignore[misc]
    second = await terminals("alice", "key-second")  # type: ignore[misc]
    model_server.hold, model_server.hold_after = asyncio.Event(), 1
    out_first, out_second = io.StringIO(), io.StringIO()
    async with ChatSession(*first, PlainSink(out_first)) as asking_first, \
            ChatSession(*second, PlainSink(out_second)) as asking_second:
        first_done = await asking_first.submit("from the first terminal")
        await model_server.wait_for_requests(1)  # the first process holds alice's conversation now
        second_done = await asking_second.submit("from the second terminal")  # queued behind it
        model_server.hold.set()
        await asyncio.wait_for(asyncio.gather(first_done, second_done), 10)

    assert out_first.getvalue() == "You said: from the first terminal\n"
    assert out_second.getvalue() == "You said: from the second terminal\n"  # not on the first's screen
    second_request = model_server.chat_requests()[1]
    assert second_request.headers["authorization"] == "Bearer key-first"  # the holder answered it
    assert [m["content"] for m in second_request.body["messages"][1:]] == [
        "from the first terminal", "You said: from the first terminal", "from the second terminal"]


async def test_a_pipe_gets_help_for_the_terminal_and_stops_at_quit(
        terminals: Callable[..., object], model_server: FakeModelServer) -> None:
    adapter, gateway = await terminals("bob", "key")  # type: ignore[misc]
    out = io.StringIO()
    await adapter.chat(gateway, io.StringIO("/help\nhello\n/quit\nnever sent\n"), out)
    assert TERMINAL_HELP in out.getvalue() and out.getvalue().endswith("You said: hello\n")
    assert "/quit" in TERMINAL_HELP
    assert [r.body["messages"][-1]["content"] for r in model_server.chat_requests()] == ["hello"]


class Recording:
    """A sink that remembers what went where."""

    def __init__(self) -> None:
        self.out = ""
        self.err: list[str] = []

    def reply(self, delta: str) -> None:
        self.out += delta

    def end_reply(self) -> None:
        self.out += "\n"

    def line(self, text: str) -> None:
        self.out += text + "\n"

    def warn(self, text: str) -> None:
        self.err.append(text)
        self.out += "<warning>\n"


def test_notices_and_warnings_wait_until_the_reply_streaming_now_has_ended() -> None:
    sink = Recording()
    printer = Printer(sink)
    printer.apply(RelayEvent("append", "m1", "The answer ", "w1"))
    printer.apply(RelayEvent("notice", "m2", "Stopping the current reply, if there is one."))
    printer.warn("WARNING something happened")
    printer.apply(RelayEvent("append", "m1", "goes on.", "w1"))
    assert sink.out == "The answer goes on." and not sink.err
    printer.apply(RelayEvent("finish", "m1", "", "w1"))
    assert sink.out == "The answer goes on.\nStopping the current reply, if there is one.\n<warning>\n"
    assert sink.err == ["WARNING something happened"]


def test_a_takeover_or_a_restart_starts_the_answer_on_a_new_line() -> None:
    sink = Recording()
    printer = Printer(sink)
    printer.apply(RelayEvent("append", "m1", "Half an ans", "dead"))
    printer.apply(RelayEvent("append", "m1", "The whole answer", "taker"))  # another process took over
    printer.apply(RelayEvent("restart", "m1", "_(starting over)_\n\nAgain", "taker"))
    printer.apply(RelayEvent("finish", "m1", ".", "taker"))
    assert sink.out == "Half an ans\nThe whole answer\n_(starting over)_\n\nAgain.\n"


async def test_settled_ends_a_dangling_reply_and_wakes_the_sender() -> None:
    sink = Recording()
    printer = Printer(sink)
    done = printer.expect("m1")
    printer.mute("m0")
    printer.apply(RelayEvent("notice", "m0", "muted"))
    printer.apply(RelayEvent("append", "m1", "cut", "w"))
    printer.apply(RelayEvent("settled", "m1"))
    assert done.done() and sink.out == "cut\n" and not printer.expecting


def test_log_records_go_through_the_printer_while_the_chat_runs() -> None:
    sink = Recording()
    printer = Printer(sink)
    root = logging.getLogger()
    stderr_handler = logging.StreamHandler()  # stderr, as setup_logging leaves it
    root.addHandler(stderr_handler)
    try:
        with logs_through(printer):
            assert stderr_handler not in root.handlers
            printer.apply(RelayEvent("append", "m1", "streaming", "w"))
            logging.getLogger("tests").warning("careful")
            assert sink.err == []
            printer.apply(RelayEvent("finish", "m1", "", "w"))
        assert sink.err == ["careful"] and stderr_handler in root.handlers
    finally:
        root.removeHandler(stderr_handler)


async def test_a_line_that_cannot_be_stored_is_said_so_and_the_terminal_goes_on(
        make_settings: Callable[..., Settings], own_redis: RedisServer) -> None:
    adapter = ConsoleAdapter("alice")
    client = Redis.from_url(own_redis.url)
    try:
        async with assembled(make_settings(redis_url=own_redis.url), [adapter], redis=client) as running:
            out, err = io.StringIO(), io.StringIO()
            async with ChatSession(adapter, running.gateway, PlainSink(out, err)) as session:
                await own_redis.kill()
                await asyncio.wait_for(session.send("hello?"), 30)  # returns: nothing left waiting
                await own_redis.start()
            assert NOT_STORED in out.getvalue() + err.getvalue()
    finally:
        await client.aclose()

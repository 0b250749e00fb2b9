"""What every fake shares: a call log, injected faults, awaited state, and a listener on 127.0.0.1.

``Recorder`` is what any fake keeps, the in-memory platform included. ``FakeServer`` adds
the socket: ``async with`` serves an aiohttp app on a free port (or a subclass's own
listener) until the block ends. What a call is recorded as, and what a fault answers
with, stays each fake's own: they speak different wire protocols.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

from aiohttp import web

from tests.fakes.waiting import Changes, wait_until

C = TypeVar("C")  # one recorded call
A = TypeVar("A")  # what an injected fault answers with
T = TypeVar("T")


@dataclass
class Fault(Generic[A]):
    """The next ``times`` calls to ``target`` (those ``match`` accepts) get ``answer`` instead."""

    target: str
    answer: A
    times: int = 1
    match: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Canned:
    """An HTTP answer given in place of the real one."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class Recorder(Generic[C, A]):
    """A call log, a queue of injected faults, and ``wait_for`` over both."""

    def __init__(self) -> None:
        self.calls: list[C] = []
        self.faults: list[Fault[A]] = []
        self.changes = Changes()  # bumped on every call and every state change

    def bump(self) -> None:
        """Makes every waiter look at the state again."""
        self.changes.bump()

    def record(self, call: C) -> C:
        """Appends to the call log (once the call's outcome is known) and wakes the waiters."""
        self.calls.append(call)
        self.bump()
        return call

    def inject(self, target: str, answer: A, *, times: int = 1,
               match: Callable[[Any], bool] | None = None) -> Fault[A]:
        """The next ``times`` calls to ``target`` (matching ``match``) get ``answer``."""
        fault = Fault(target, answer, times, match)
        self.faults.append(fault)
        return fault

    def take_fault(self, target: str, request: Any = None) -> A | None:
        """The answer waiting for this call, used up once; None: answer it normally."""
        for fault in self.faults:
            if fault.target == target and (fault.match is None or fault.match(request)):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault.answer
        return None

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str = "condition") -> T:
        """The predicate's first truthy value, re-checked on every change; on timeout the
        error lists the last calls. The platform fakes record a call once it is answered,
        so a true predicate sees the state the call produced."""
        return await wait_until(self.changes, predicate, timeout, what=what, calls=self.calls)


class FakeServer(Recorder[C, A]):
    """A fake reachable over a real socket; subclasses add their routes in ``add_routes``."""

    cancel_handlers: ClassVar[bool] = False  # cancel a request's handler when its client hangs up
    shutdown_timeout: ClassVar[float] = 60.0  # how long stopping waits for requests still open

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Where a client library is pointed: the root, unless the API lives below a path."""
        return self.root_url

    def add_routes(self, app: web.Application) -> None:
        """Adds the fake's routes to its aiohttp app."""
        raise NotImplementedError

    async def start(self) -> None:
        self.port = await self._listen()

    async def stop(self) -> None:
        """Closes the listener; safe to call twice."""
        await self._unlisten()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _listen(self) -> int:
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=self.cancel_handlers,
                                     shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        return int(self._runner.addresses[0][1])

    async def _unlisten(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

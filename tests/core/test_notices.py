"""Notices go out from tasks: in order per chat, one failure does not stop the next, and
`Gateway.join` (what shutdown waits on) waits for them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from core.gateway import Gateway
from core.notices import Notices
from core.outlet import Outlet
from core.types import Choice, Limits
from tests.fakes.memory_platform import MemoryPlatform
from tests.helpers import inbound


class GatedOutlet:
    """Records notices; waits for `gate` before each one; fails those starting with "fail"."""

    limits = Limits(max_chars=100, min_edit_interval=0.0)

    def __init__(self, sent: list[str], gate: asyncio.Event) -> None:
        self._sent, self._gate = sent, gate

    async def typing(self) -> None: ...

    async def show(self, text: str) -> None: ...

    async def finish(self, text: str) -> None: ...

    async def notice(self, text: str, choices: Sequence[Choice] = ()) -> None:
        await self._gate.wait()
        if text.startswith("fail"):
            raise RuntimeError("the platform refused it")
        self._sent.append(text)


async def test_a_chats_notices_keep_their_order_and_survive_a_failure() -> None:
    sent: list[str] = []
    gate = asyncio.Event()

    def outlet_for(_: object) -> Outlet:
        return GatedOutlet(sent, gate)

    notices = Notices(outlet_for)
    for text in ("one", "fail two", "three"):
        notices.send(inbound(text), text)  # returns at once: nothing is sent yet
    notices.send(inbound("x", user="bob"), "other chat")
    assert sent == [] and notices.pending == 4
    gate.set()
    await notices.drain()
    assert [t for t in sent if t != "other chat"] == ["one", "three"] and "other chat" in sent
    assert notices.pending == 0


async def test_join_waits_for_the_notices_of_the_intake(gateway: Gateway, platform: MemoryPlatform) -> None:
    platform.notice_gate = asyncio.Event()  # the platform is slow to take the notice
    await gateway.handle(inbound("/help"))
    assert platform.notices == []  # handle returned without waiting for it
    platform.notice_gate.set()
    await gateway.join()
    assert platform.notices[0].text.startswith("Send me a message")

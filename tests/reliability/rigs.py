"""Two gateway processes wired to the fake platforms, shared by the scenarios that fit them:
Telegram by webhook (behind the balancer, with Telegram's retrying delivery) plus Discord with
sharding in one pair of processes; Telegram by long polling in another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bench.procs import Process
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.reliability.balancer import Balancer
from tests.reliability.cluster import Cluster, answer_for, cluster
from tests.reliability.delivery import WebhookDelivery
from tests.reliability.tally import Asked, FaultResult, Shown, count

SECRET = "faults-secret"
PATH = "/telegram"
READY = ("polling as", "standing by as")
FIRST_GROUP = -1_001_000_000_000
ACTIONS = ("sendChatAction", "sendMessage", "editMessageText", "sendMessageDraft")
SHARDS = 2


@dataclass
class Rig:
    """The gateways and the fakes they talk to; `discord` only on the webhook rig."""

    cluster: Cluster
    tg: FakeTelegram
    balancer: Balancer | None = None
    delivery: WebhookDelivery | None = None
    discord: FakeDiscord | None = None
    asked: list[Asked] = field(default_factory=list)
    _chats: int = 0

    @property
    def gateways(self) -> list[Process]:
        return self.cluster.gateways

    def new_chat(self) -> int:
        self._chats += 1
        return FIRST_GROUP - self._chats

    def ask(self, chat: int, text: str, *, to: Process | None = None) -> Asked:
        """A user in group `chat` mentions the bot: delivered as Telegram would (webhook or
        polling), or straight to one replica (`to`: the one that will then answer it)."""
        user = 5000 + (FIRST_GROUP - chat)
        update = self.tg.user_message(chat, user, f"@switchboard_bot {text}", chat_type="supergroup",
                                      push=self.delivery is None)
        asked = Asked(chat, int(update["message"]["message_id"]), text, f"telegram:{chat}::{user}")
        self.asked.append(asked)
        if to is not None:
            url = f"http://127.0.0.1:{to.port}{PATH}"
            asyncio.get_running_loop().create_task(self.tg.deliver_webhook(url, update, secret=SECRET))
        elif self.delivery is not None:
            self.delivery.send(chat, update)
        return asked

    def shown(self, chats: Sequence[int]) -> list[Shown]:
        return [Shown(m.chat_id, m.message_id, m.text, m.reply_to_message_id)
                for chat in set(chats) for m in self.tg.sent_to(chat)]

    def expected(self, text: str) -> str:
        return answer_for(text, self.cluster.words)

    def answer(self, asked: Asked) -> Shown | None:
        return next((m for m in self.shown([asked.chat]) if m.quotes == asked.message_id), None)

    def answered(self, asked: Asked) -> bool:
        found = self.answer(asked)
        return found is not None and found.text == self.expected(asked.text)

    def half_answered(self, asked: Asked) -> bool:
        found = self.answer(asked)
        return found is not None and found.text != self.expected(asked.text)

    async def all_answered(self, asked: Sequence[Asked], timeout: float) -> None:
        try:
            await self.tg.wait_for(lambda: all(self.answered(a) for a in asked), timeout,
                                   what=f"all {len(asked)} messages answered")
        except TimeoutError:
            missing = [a for a in asked if not self.answered(a)]
            chats = {a.chat: [(m.message_id, m.quotes, m.text[:40]) for m in self.shown([a.chat])] for a in missing}
            raise TimeoutError(f"unanswered: {[(a.chat, a.text) for a in missing]}; those chats show {chats}") from None

    def first_call_after(self, chat: int, moment: float) -> float | None:
        return next((c.at for c in self.tg.calls if c.at > moment and c.method in ACTIONS
                     and c.params.get("chat_id") == chat), None)

    def answered_at(self, asked: Asked) -> float | None:
        found = next((m for m in self.tg.sent_to(asked.chat) if m.reply_to_message_id == asked.message_id), None)
        if found is None:
            return None
        return next((v.at for v in found.versions if v.text == self.expected(asked.text)), None)

    async def half_way(self, batch: Sequence[Asked], enough: int, timeout: float = 60) -> None:
        """Until `enough` replies show part of their answer, and every reply that does has its
        checkpoint in Redis.

        A crash in the millisecond between a platform message being sent and its id being saved
        leaves that message behind (nothing can know its id); a kill at a random moment of a
        streaming reply almost never lands there, but one timed on a burst of first sends would."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            half = {a.conversation for a in batch if self.half_answered(a)}
            if len(half) >= enough and await self.cluster.checkpointed(half) == half:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"only {len(half)} replies half-way within {timeout:.0f} s")
            await asyncio.sleep(0.02)  # watching other processes' state: nothing to await but its change

    async def tally(self, fault: str, asked: Sequence[Asked]) -> FaultResult:
        """What happened to these messages, once every queue has drained."""
        await self.cluster.settled()
        result = FaultResult(fault)
        count(result, asked, self.shown([a.chat for a in asked]), self.expected)
        for conversation in {a.conversation for a in asked}:
            wanted = [a.text for a in asked if a.conversation == conversation]
            if await self.cluster.user_turns(conversation) != wanted:
                result.stored_wrong += 1
        return result


@asynccontextmanager
async def webhook_rig(env: dict[str, str]) -> AsyncIterator[Rig]:
    """Two gateways: Telegram by webhook behind the balancer, and Discord with SHARDS shards."""
    async with cluster() as rig, FakeTelegram() as tg, FakeDiscord() as discord:
        balancer = Balancer(PATH)
        await balancer.start()
        try:
            platforms = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE": tg.base_url,
                         "TELEGRAM_WEBHOOK_URL": balancer.url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                         "DISCORD_BOT_TOKEN": discord.token, "DISCORD_API_BASE": discord.base_url,
                         "DISCORD_GATEWAY_URL": discord.gateway_url, "DISCORD_SHARD_COUNT": str(SHARDS)}
            gateways = await rig.start_gateways(2, platforms | env)
            balancer.route_to([g.port for g in gateways])
            await discord.wait_for(lambda: len(discord.gateway.live_shards()) == SHARDS, 60,
                                   what="every Discord shard connected")
            async with WebhookDelivery(balancer.url, SECRET) as delivery:
                yield Rig(rig, tg, balancer, delivery, discord)
        finally:
            await balancer.stop()


@asynccontextmanager
async def polling_rig(env: dict[str, str]) -> AsyncIterator[Rig]:
    """Two gateways long-polling one Telegram token."""
    async with cluster() as rig, FakeTelegram() as tg:
        await rig.start_gateways(2, {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE": tg.base_url} | env,
                                 ready_text=READY)
        yield Rig(rig, tg)


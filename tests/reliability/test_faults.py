"""The faults on real processes, small: two `switchboard run` gateways, a redis-server killed
and restarted, the fake platforms. Each must end with every message answered exactly once, in
order, stored once. (`make faults` runs them larger and writes docs/reliability.md.)

The scenarios on webhooks and Discord share one pair of gateways (starting processes is most
of the time these take), in an order that restarts as few as possible; the long-polling one
has its own pair, started and stopped first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.reliability import scenarios
from tests.reliability.rigs import Rig, polling_rig, webhook_rig
from tests.reliability.tally import FaultResult

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

# A short lease keeps these runs short (production: LEASE_SECONDS=6); a short drain too.
ENV = {"LEASE_SECONDS": "2", "DRAIN_SECONDS": "0.5"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig() -> AsyncIterator[Rig]:
    async with webhook_rig(ENV) as started:
        yield started


def _clean(result: FaultResult) -> None:
    assert result.clean, result


async def test_the_standby_takes_over_long_polling_without_conflicts() -> None:
    async with polling_rig(ENV) as polling:
        result = await scenarios.polling_takeover(polling, rounds=1, before=2, restore=False)
    _clean(result)  # a 409 Conflict would count as doubled
    assert max(result.recovery) < 20  # the issue's own bound for a new user's test


async def test_redis_killed_and_restarted_under_a_stream_loses_nothing(rig: Rig) -> None:
    _clean(await scenarios.redis_restart(rig, chats=8, messages=16, down=2.0, rate=8.0))


async def test_a_replica_killed_mid_reply_leaves_one_answer_per_message(rig: Rig) -> None:
    result = await scenarios.kill_mid_reply(rig, chats=6, per_chat=1, rounds=1)
    _clean(result)
    assert result.recovery, "no conversation was taken over: the kill came too late to test anything"


async def test_a_sigterm_hands_the_reply_over_in_the_same_message(rig: Rig) -> None:
    _clean(await scenarios.sigterm_hand_over(rig, rounds=1, drain=0.5))


async def test_a_discord_shard_is_taken_over_by_the_standby(rig: Rig) -> None:
    result = await scenarios.discord_shard_takeover(rig, rounds=1, restore=False)
    _clean(result)  # a second session for one shard would count as doubled
    assert max(result.recovery) < 15  # the issue's own bound

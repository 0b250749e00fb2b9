"""The failover chain: each failure ends in one complete reply or one clear error."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from core.llm.base import Finished, ModelEvent, Restarted, TextDelta
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.health import Health, TargetHealth
from core.llm.route import Target
from tests.fakes.model_api import FakeModelAPI, Step
from tests.llm.conftest import FAST, ChainMaker, answer, request, spec, text_of

RATE_LIMITED = Step(status=429, json={"error": {"message": "Rate limit reached"}}, headers={"retry-after-ms": "5"})
OVERLOADED = Step(status=529, json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
BAD_KEY = Step(status=401, json={"error": {"message": "Incorrect API key", "code": "invalid_api_key"}})


def after_last_restart(events: list[ModelEvent]) -> list[ModelEvent]:
    marks = [i for i, e in enumerate(events) if isinstance(e, Restarted)]
    return events[marks[-1] + 1:] if marks else events


async def test_dead_primary_fails_over_invisibly(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as dead:
        dead_url = dead.base_url
    async with FakeModelAPI(reply="From the backup.") as backup:
        chain = await make_chain(spec(dead_url), spec(backup.base_url, name="backup", models=("big-model",)))
        events = await answer(chain)
    assert text_of(events) == "From the backup."
    assert not any(isinstance(e, Restarted) for e in events)  # before the first token: invisible
    assert sum(isinstance(e, Finished) for e in events) == 1


async def test_429_storm_retries_with_retry_after_then_answers(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(RATE_LIMITED, RATE_LIMITED)
        chain = await make_chain(spec(api.base_url))
        events = await answer(chain)
    assert text_of(events) == "Hello there, friend."
    assert len(api.streams()) == 3


async def test_429_storm_everywhere_is_one_clear_error_with_when(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as a, FakeModelAPI() as b:
        a.script(*[RATE_LIMITED] * 3)
        b.script(*[RATE_LIMITED] * 3)
        chain = await make_chain(spec(a.base_url), spec(b.base_url, name="b", models=("big-model",)))
        with pytest.raises(ModelError) as info:
            await answer(chain)
        # A second message skips both cooling targets without a request.
        with pytest.raises(ModelError) as again:
            await answer(chain)
    assert info.value.kind is ModelErrorKind.ALL_DOWN and info.value.retry_after
    assert "Try again in about 30 s" in info.value.user_message()
    assert again.value.kind is ModelErrorKind.ALL_DOWN
    assert len(a.streams()) == 3 and len(b.streams()) == 3


async def test_long_retry_after_moves_on_without_waiting(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as a, FakeModelAPI(reply="Other.") as b:
        a.script(Step(status=429, json={"error": {"message": "later"}}, headers={"retry-after": "3600"}))
        chain = await make_chain(spec(a.base_url), spec(b.base_url, name="b", models=("big-model",)))
        assert text_of(await answer(chain)) == "Other."
        alone = await make_chain(spec(a.base_url))
        with pytest.raises(ModelError) as info:  # the primary now rests as long as it asked (capped)
            await answer(alone)
    assert len(a.streams()) == 1
    assert info.value.retry_after and info.value.retry_after > 30


async def test_529_before_first_token_is_invisible(make_chain: ChainMaker) -> None:
    async with FakeModelAPI(modes=("anthropic",), prefix="/anthropic") as api:
        api.script(OVERLOADED, Step(after_text=0, then="error"))
        chain = await make_chain(spec(api.base_url, mode="anthropic"))
        events = await answer(chain)
    assert text_of(events) == "Hello there, friend."
    assert not any(isinstance(e, Restarted) for e in events)


async def test_529_mid_stream_after_first_token_restarts_cleanly(make_chain: ChainMaker) -> None:
    async with FakeModelAPI(modes=("anthropic",), prefix="/anthropic") as a, FakeModelAPI(reply="Fresh.") as b:
        a.script(*[Step(after_text=2, then="error")] * 3)
        chain = await make_chain(spec(a.base_url, mode="anthropic"),
                                 spec(b.base_url, name="b", models=("big-model",)))
        events = await answer(chain)
    restarts = [e for e in events if isinstance(e, Restarted)]
    assert restarts and "broke off" in restarts[0].note
    # Whatever came before the last Restarted is void; after it, exactly one whole answer.
    assert text_of(after_last_restart(events)) == "Fresh."
    assert isinstance(events[-1], Finished)
    # Each restart directly follows visible text: never two in a row, never one before any text.
    for i, event in enumerate(events):
        if isinstance(event, Restarted):
            assert isinstance(events[i - 1], TextDelta)


async def test_wrong_key_on_one_target_moves_on_without_retrying(make_chain: ChainMaker) -> None:
    async with FakeModelAPI(api_key="right-key-1") as a, FakeModelAPI(reply="Keyed.") as b:
        chain = await make_chain(spec(a.base_url, key="wrong-key-1"), spec(b.base_url, name="b", models=("big-model",)))
        events = await answer(chain)
    assert text_of(events) == "Keyed."
    assert len(a.streams()) == 1  # a 401 is never retried


async def test_wrong_key_everywhere_is_the_key_error(make_chain: ChainMaker) -> None:
    async with FakeModelAPI(api_key="right-key-1") as a:
        a.script(BAD_KEY)
        chain = await make_chain(spec(a.base_url, key="wrong-key-1"))
        with pytest.raises(ModelError) as info:
            await answer(chain)
    assert info.value.kind is ModelErrorKind.AUTH
    assert "rejected the key" in info.value.user_message()
    assert "wrong-key-1" not in info.value.log_line()


async def test_model_not_found_names_the_closest_ids(make_chain: ChainMaker) -> None:
    models = [{"id": "gpt-4o-mini"}, {"id": "gpt-4o"}, {"id": "claude-sonnet-4"}]
    async with FakeModelAPI(models=models) as api:
        chain = await make_chain(spec(api.base_url))
        with pytest.raises(ModelError) as info:
            await answer(chain, request(model="gpt4o"))
    assert info.value.kind is ModelErrorKind.NOT_FOUND
    assert info.value.suggestions[:2] == ("gpt-4o", "gpt-4o-mini")
    assert "Did you mean gpt-4o" in info.value.user_message()
    assert len(api.streams()) == 1


async def test_same_endpoint_fallback_model(make_chain: ChainMaker) -> None:
    models = [{"id": "big-model"}, {"id": "spare-model"}]
    async with FakeModelAPI(models=models) as api:
        api.script(*[OVERLOADED] * 3)
        chain = await make_chain(spec(api.base_url, models=("spare-model",)))
        events = await answer(chain)
    assert text_of(events) == "Hello there, friend."
    assert [r.body["model"] for r in api.streams()] == ["big-model"] * 3 + ["spare-model"]


async def test_context_error_moves_to_a_larger_window(make_chain: ChainMaker, redis: Redis, prefix: str) -> None:
    too_long = Step(status=400, json={"error": {"code": "context_length_exceeded",
                                                "message": "This model's maximum context length is 65536 tokens."}})
    async with (FakeModelAPI(models=[{"id": "big-model", "context_length": 65536}]) as small,
                FakeModelAPI(models=[{"id": "mid", "context_length": 32000}]) as smaller,
                FakeModelAPI(models=[{"id": "huge", "context_length": 1000000}], reply="Roomy.") as large):
        small.script(too_long)
        chain = await make_chain(spec(small.base_url), spec(smaller.base_url, name="s", models=("mid",)),
                                 spec(large.base_url, name="l", models=("huge",)))
        events = await answer(chain)
        learned = await chain.catalog.window("big-model")
    assert text_of(events) == "Roomy."
    assert smaller.streams() == []  # a smaller window is not worth a try
    assert learned == 65536


async def test_context_error_with_no_larger_target_says_reset(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(Step(status=400, json={"error": {"message": "prompt is too long: 210000 tokens > 200000 maximum"}}))
        chain = await make_chain(spec(api.base_url))
        with pytest.raises(ModelError) as info:
            await answer(chain)
    assert info.value.kind is ModelErrorKind.CONTEXT and "/reset" in info.value.user_message()


async def test_cooldown_is_shared_and_ends_with_one_trial(make_chain: ChainMaker, redis: Redis, prefix: str) -> None:
    async with FakeModelAPI() as a, FakeModelAPI(reply="B.") as b:
        a.script(*[OVERLOADED] * 3)
        fallback = spec(b.base_url, name="b", models=("big-model",))
        replica1 = await make_chain(spec(a.base_url), fallback)
        replica2 = await make_chain(spec(a.base_url), fallback)
        assert text_of(await answer(replica1)) == "B."
        assert text_of(await answer(replica2)) == "B."  # replica 2 skips the cooling primary
        assert len(a.streams()) == 3
        target = Target(replica1.targets(request())[0].endpoint, "big-model")
        await redis.delete(f"{prefix}llm:cooldown:{{{target.key}}}")  # the cooldown runs out
        health = TargetHealth(redis, prefix, FAST)
        assert (await health.check(target.key)).state is Health.TRIAL  # someone takes the trial...
        assert (await health.check(target.key)).state is Health.COOLING  # ...and only one
        await redis.delete(f"{prefix}llm:trial:{{{target.key}}}")
        assert text_of(await answer(replica2)) == "Hello there, friend."  # the trial succeeds
        assert (await health.check(target.key)).state is Health.HEALTHY


async def test_failed_trial_cools_down_longer(redis: Redis, prefix: str) -> None:
    health = TargetHealth(redis, prefix, FAST)
    first = await health.failed("t", ModelErrorKind.UNAVAILABLE, None)
    await redis.delete(f"{prefix}llm:cooldown:{{t}}")
    assert (await health.check("t")).state is Health.TRIAL
    second = await health.failed("t", ModelErrorKind.RATE_LIMITED, None, trial=True)
    verdict = await health.check("t")
    assert second == 2 * first and verdict.state is Health.COOLING
    assert verdict.kind is ModelErrorKind.RATE_LIMITED
    keys = [k.decode() if isinstance(k, bytes) else k async for k in redis.scan_iter(match=f"{prefix}*")]
    assert keys and all(k.startswith(prefix) for k in keys)


async def test_one_outage_is_one_cooldown_step(redis: Redis, prefix: str) -> None:
    """Requests that hit the same outage (on any replica) add no strikes: the rest stays at the
    first step, and users are told the time of the trial, not a doubled guess."""
    health = TargetHealth(redis, prefix, FAST)
    rests = [await health.failed("t", ModelErrorKind.UNAVAILABLE, None) for _ in range(6)]
    assert rests[0] == FAST.cooldown
    assert all(0 < rest <= FAST.cooldown for rest in rests[1:])  # the time left until the one trial
    assert int(await redis.get(f"{prefix}llm:strikes:{{t}}")) == 1
    await redis.delete(f"{prefix}llm:cooldown:{{t}}")  # the rest is over: one trial decides
    assert (await health.check("t")).state is Health.TRIAL
    waiting = await health.check("t")  # another request while the trial is out
    assert waiting.state is Health.COOLING and waiting.remaining <= FAST.trial_answer
    assert await health.failed("t", ModelErrorKind.UNAVAILABLE, None, trial=True) == 2 * FAST.cooldown


async def test_single_target_cooling_says_when(make_chain: ChainMaker) -> None:
    async with FakeModelAPI() as api:
        api.script(*[RATE_LIMITED] * 3)
        chain = await make_chain(spec(api.base_url))
        with pytest.raises(ModelError) as first:
            await answer(chain)
        with pytest.raises(ModelError) as second:
            await answer(chain)
    assert first.value.kind is ModelErrorKind.RATE_LIMITED and "Try again in about 30 s" in first.value.user_message()
    assert second.value.kind is ModelErrorKind.RATE_LIMITED and second.value.retry_after
    assert len(api.streams()) == 3

"""The fakes' flood model: a burst, then one call per interval; a window caps any W seconds."""

from __future__ import annotations

from tests.fakes.flood import FloodModel, FloodRule


def test_a_rested_chat_takes_its_burst_then_one_call_per_interval() -> None:
    model = FloodModel(FloodRule(interval=1.0, burst=2))
    assert [model.check("c", 10.0), model.check("c", 10.0)] == [0.0, 0.0]
    assert model.check("c", 10.0) == 1.0  # the third waits for a token
    assert model.check("other", 10.0) == 0.0  # chats are independent
    assert model.check("c", 11.0) == 0.0 and model.check("c", 11.5) == 0.5


def test_refused_calls_do_not_count() -> None:
    model = FloodModel(FloodRule(interval=1.0, burst=1))
    assert model.check("c", 0.0) == 0.0
    assert model.check("c", 0.2) > 0 and model.check("c", 0.4) > 0
    assert model.check("c", 1.0) == 0.0


def test_a_window_caps_calls_in_any_span() -> None:
    model = FloodModel(FloodRule(window=(3, 5.0)))
    assert [model.check("c", t) for t in (0.0, 1.0, 2.0)] == [0.0, 0.0, 0.0]
    assert model.check("c", 4.0) == 1.0  # the call at 0.0 leaves the window at 5.0
    assert model.check("c", 5.0) == 0.0


def test_slack_forgives_a_little_early_arrival() -> None:
    model = FloodModel(FloodRule(interval=1.0, burst=1, slack=0.05))
    assert model.check("c", 0.0) == 0.0
    assert model.check("c", 0.97) == 0.0

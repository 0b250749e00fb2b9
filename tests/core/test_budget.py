"""History is trimmed oldest-first to fit the window; the system prompt always stays."""

from __future__ import annotations

from core.budget import fit_history
from core.tokens import estimate_tokens
from core.types import Turn


def _turns(n: int, tokens: int = 100) -> list[Turn]:
    return [Turn("user" if i % 2 == 0 else "assistant", f"turn {i}", float(i), tokens) for i in range(n)]


def test_everything_fits_in_a_big_window() -> None:
    fitted = fit_history("sys", _turns(10), 50, window=100_000, reply_reserve=4000)
    assert fitted is not None and len(fitted.turns) == 10 and fitted.dropped == 0


def test_oldest_turns_go_first() -> None:
    history = _turns(10)
    fitted = fit_history("sys", history, 50, window=4000 + estimate_tokens("sys") + 50 + 450, reply_reserve=4000)
    assert fitted is not None
    assert [t.text for t in fitted.turns] == [t.text for t in history[6:]]
    assert fitted.dropped == 6


def test_history_never_starts_with_an_assistant_turn() -> None:
    history = _turns(10)
    fitted = fit_history("sys", history, 50, window=4000 + estimate_tokens("sys") + 50 + 550, reply_reserve=4000)
    assert fitted is not None and fitted.turns[0].role == "user"


def test_a_message_bigger_than_the_window_is_refused() -> None:
    assert fit_history("sys", _turns(2), 70_000, window=64_000, reply_reserve=4000) is None


def test_token_estimate_is_conservative_for_non_latin_text() -> None:
    assert estimate_tokens("hello world, this is text") < estimate_tokens("你好世界这是一段中文文本")
    assert estimate_tokens("a" * 400) >= 100

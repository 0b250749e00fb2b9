"""Counting what a fault did to the chats: each message answered exactly once, twice, or not at
all; answers in the order asked; bot messages beside the answers (a half-answer left behind)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Asked:
    chat: int
    message_id: int  # the user's message (a group answer quotes it)
    text: str  # what the model was asked
    conversation: str  # its key in Redis (history)


@dataclass(frozen=True)
class Shown:
    chat: int
    message_id: int
    text: str  # what it shows now
    quotes: int | None  # the user message it replies to


@dataclass
class FaultResult:
    fault: str
    sent: int = 0
    answered_once: int = 0
    doubled: int = 0
    lost: int = 0
    out_of_order: int = 0  # chats whose answers came in another order than asked
    extra: int = 0  # bot messages that answer nothing (a half-answer beside a whole one)
    stored_wrong: int = 0  # conversations whose stored turns are not each message once, in order
    recovery: list[float] = field(default_factory=list)  # seconds, one per measured takeover
    recovery_what: str = ""
    notes: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # what each message not answered once looked like

    @property
    def clean(self) -> bool:
        return (self.answered_once == self.sent and not self.doubled and not self.lost and not self.out_of_order
                and not self.extra and not self.stored_wrong)


def count(result: FaultResult, asked: Sequence[Asked], shown: Sequence[Shown],
          expected: Callable[[str], str]) -> None:
    """Fills the message counts of `result` from what was asked and what the chats show."""
    result.sent += len(asked)
    replies: dict[tuple[int, int], list[Shown]] = {}
    for message in shown:
        if message.quotes is not None:
            replies.setdefault((message.chat, message.quotes), []).append(message)
    answered = {(a.chat, a.message_id) for a in asked}
    result.extra += sum(1 for m in shown if (m.chat, m.quotes) not in answered)
    for question in asked:
        found = replies.get((question.chat, question.message_id), [])
        if len(found) == 1 and found[0].text == expected(question.text):
            result.answered_once += 1
            continue
        if len(found) > 1:
            result.doubled += 1
        else:
            result.lost += 1
        texts = [m.text[:60] for m in found]
        result.anomalies.append(f"chat {question.chat}, {question.text!r}: {len(found)} replies {texts}")
    for message in shown:
        if (message.chat, message.quotes) not in answered:
            result.anomalies.append(f"chat {message.chat}: a bot message answering nothing: {message.text[:60]!r}")
    for chat in {a.chat for a in asked}:
        order = [a.message_id for a in asked if a.chat == chat]
        answers = sorted((m for m in shown if m.chat == chat and (m.chat, m.quotes) in answered),
                         key=lambda m: m.message_id)
        if [m.quotes for m in answers] != order[:len(answers)]:
            result.out_of_order += 1


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of them lie (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]

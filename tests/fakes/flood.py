"""Platforms' per-chat flood rules as the fakes enforce them: a burst, then 429 with retry_after.

A rule is a sustained rate with a burst (a GCRA: `burst` calls at once on a rested chat,
then one per `interval`) and/or a sliding window (at most N calls in any W seconds).
`slack` forgives the arrival jitter a real platform also forgives: calls leave the bot
spaced by its budget, but reach the server a few milliseconds early or late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FloodRule:
    interval: float = 0.0  # sustained: one call per interval (0: no sustained rule)
    burst: int = 1  # calls a rested chat may take at once
    window: tuple[int, float] | None = None  # and at most N calls in any W seconds
    slack: float = 0.0  # seconds of arrival jitter forgiven

    def scaled(self, factor: float) -> FloodRule:
        """The same rule on a faster clock (tests run Telegram's second in a fraction of one)."""
        window = None if self.window is None else (self.window[0], self.window[1] * factor)
        return FloodRule(self.interval * factor, self.burst, window, self.slack * factor)


# The published rules (see bots/*/adapter.py for the budgets the adapters keep under them: a
# burst of 2, one token under the "short bursts" modelled here as 3, for delivery jitter).
# Telegram: "about one message per second" in a chat, "short bursts" allowed; groups also
# "no more than 20 messages per minute".
TELEGRAM_PRIVATE = FloodRule(interval=1.0, burst=3, slack=0.05)
TELEGRAM_GROUP = FloodRule(interval=1.0, burst=3, window=(20, 60.0), slack=0.05)
# Discord: 5 message creates/edits per 5 s per channel.
DISCORD_CHANNEL = FloodRule(window=(5, 5.0), slack=0.05)
# Slack: about one message a second per channel with bursts; chat.update ~50 a minute.
SLACK_CHANNEL = FloodRule(interval=1.0, burst=3, window=(50, 60.0), slack=0.05)


@dataclass
class FloodModel:
    """One rule applied per key (a chat); `check` counts an allowed call or says how long to wait."""

    rule: FloodRule
    _tat: dict[Hashable, float] = field(default_factory=dict)  # when the key's bucket is full again
    _log: dict[Hashable, deque[float]] = field(default_factory=dict)  # recent calls (window rule)

    def check(self, key: Hashable, now: float) -> float:
        """0.0 when the call is allowed (and counted), else seconds until it would be."""
        rule = self.rule
        wait = 0.0
        tat = max(self._tat.get(key, now), now)
        if rule.interval > 0:
            wait = max(wait, tat + rule.interval - rule.burst * rule.interval - rule.slack - now)
        recent = self._log.setdefault(key, deque())
        if rule.window is not None:
            count, seconds = rule.window
            while recent and recent[0] <= now - seconds + rule.slack:
                recent.popleft()
            if len(recent) >= count:
                wait = max(wait, recent[0] + seconds - rule.slack - now)
        if wait > 0:
            return wait
        if rule.interval > 0:
            self._tat[key] = tat + rule.interval
        if rule.window is not None:
            recent.append(now)
        return 0.0

    def clear(self) -> None:
        self._tat.clear()
        self._log.clear()

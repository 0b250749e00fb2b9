"""When to retry a target, how long to wait, how long a failing target cools down.

A small hand-written policy rather than tenacity: retries here span an async stream with
a first-token boundary, hop between targets, and share cooldowns through Redis, none of
which tenacity's retry-a-callable model expresses without fighting it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.jitter import jitter


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries per target before moving on to the next
    base_delay: float = 0.5  # backoff: base * 2**attempt, with jitter, capped at max_delay
    max_delay: float = 8.0
    max_wait: float = 10.0  # a longer Retry-After moves on instead of sleeping
    cooldown: float = 30.0  # first cooldown of a failing target; doubles per strike
    max_cooldown: float = 600.0
    trial_lease: float = 120.0  # how long one replica holds the post-cooldown trial
    trial_answer: float = 10.0  # while a trial is out, others are told to try again this soon

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retrying after failed attempt number `attempt` (from 0),
        or None when the endpoint asks for a wait longer than is worth sitting through."""
        if retry_after is not None:
            if retry_after > self.max_wait:
                return None
            return retry_after + jitter(min(1.0, retry_after * 0.1))
        ceiling = min(self.max_delay, self.base_delay * float(2**attempt))
        return ceiling / 2 + jitter(ceiling / 2)  # "equal jitter": never zero


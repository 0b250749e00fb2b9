"""Random spreads for retries and wake-ups, drawn from a generator of our own.

The global `random` is anyone's to seed or to draw from (hypothesis reseeds it for every example,
from its own thread): jitter drawn there would line replicas up again, or disturb its owner.
"""

from __future__ import annotations

import random

_spread = random.Random()


def jitter(upper: float) -> float:
    """A random number of seconds between 0 and `upper`."""
    return _spread.uniform(0, upper)

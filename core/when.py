"""Moments in time as a user reads them: "resets at 00:00 UTC (in 5 h 12 min)"."""

from __future__ import annotations

import datetime as dt


def span(seconds: float) -> str:
    """A duration in its two largest units: "3 days 4 h", "5 h 12 min", "42 s"."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def resets(at: float, now: float, *, dated: bool = False) -> str:
    """"resets at 00:00 UTC (in 5 h 12 min)"; with the date ("on 1 Feb") when `dated` or a day or
    more away."""
    when = dt.datetime.fromtimestamp(at, dt.UTC)
    day = f" on {when.day} {when:%b}" if dated or at - now >= 86400 else ""
    return f"resets{day} at {when:%H:%M} UTC (in {span(at - now)})"

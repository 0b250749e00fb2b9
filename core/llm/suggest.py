"""Closest model ids for a name the endpoint does not know."""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils


def closest(wanted: str, ids: list[str], *, limit: int = 3, cutoff: float = 50.0) -> tuple[str, ...]:
    """Up to `limit` ids that look like `wanted`, best first (case and punctuation ignored)."""
    if not wanted or not ids:
        return ()
    matches = process.extract(
        wanted, ids, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=cutoff
    )
    return tuple(str(m[0]) for m in matches)

"""Model ids for a partial name: those containing every word, and the closest to a name the
endpoint does not know."""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

from core.llm.base import ModelInfo
from core.llm.gate import usable


def closest(wanted: str, ids: list[str], *, limit: int = 3, cutoff: float = 50.0) -> tuple[str, ...]:
    """Up to `limit` ids that look like `wanted`, best first (case and punctuation ignored)."""
    if not wanted or not ids:
        return ()
    matches = process.extract(
        wanted, ids, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=cutoff
    )
    return tuple(str(m[0]) for m in matches)


def closest_usable(wanted: str, models: list[ModelInfo], minimum: int, *, limit: int = 3) -> tuple[str, ...]:
    """Like `closest`, but models that pass the window gate come first."""
    good = [m.id for m in models if usable(m, minimum)]
    first = closest(wanted, good, limit=limit)
    if len(first) >= limit:
        return first
    small = [m.id for m in models if not usable(m, minimum)]
    return first + closest(wanted, small, limit=limit - len(first))


def matching_models(models: list[ModelInfo], words: str) -> list[ModelInfo]:
    """The models whose id contains every word of `words` (any order, case-insensitive), in order."""
    wanted = words.lower().split()
    return [m for m in models if all(w in m.id.lower() for w in wanted)]

"""What a model's tokens cost: the operator's price table, else the endpoint's catalog.

The table lives in endpoints.toml (MODEL_ENDPOINTS_FILE), in US dollars per million tokens,
and wins over the catalog (the operator knows their own deal):

    [prices]
    "gpt-4o" = { input = 2.5, output = 10 }
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from core.llm.base import TokenPrices
from core.llm.catalog import Catalog
from core.llm.endpoints import EndpointsFileError
from core.llm.errors import ModelError

log = logging.getLogger(__name__)

PER = 1_000_000  # the table's prices are per million tokens


def load_price_table(path: Path) -> dict[str, TokenPrices]:
    """The `[prices]` table of endpoints.toml (none when the file or the table is missing)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EndpointsFileError(f"{path}: cannot read it: {exc}") from None
    table = data.get("prices", {})
    if not isinstance(table, dict):
        raise EndpointsFileError(f'{path}: [prices] must be a table: "model" = {{ input = 2.5, output = 10 }}')
    prices: dict[str, TokenPrices] = {}
    for model, entry in table.items():
        given = (entry.get("input"), entry.get("output")) if isinstance(entry, dict) else (None, None)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in given):
            raise EndpointsFileError(f"{path}: [prices] {model!r} needs input and output, in dollars per "
                                     "million tokens, e.g. { input = 2.5, output = 10 }")
        prices[model] = TokenPrices(float(given[0]) / PER, float(given[1]) / PER)  # type: ignore[arg-type]
    return prices


class PriceBook:
    def __init__(self, table: dict[str, TokenPrices], catalog: Catalog) -> None:
        self._table = table
        self._catalog = catalog

    async def prices(self, models: list[str]) -> dict[str, TokenPrices]:
        """The known prices of these models (a model nobody prices is left out)."""
        found = {m: self._table[m] for m in models if m in self._table}
        if len(found) == len(models):
            return found
        try:
            listed = {m.id: m.prices for m in await self._catalog.listed()}
        except ModelError as exc:  # prices are a nicety: their absence must not fail /usage
            log.info("no prices from the endpoint's catalog: %s", exc)
            return found
        for model in models:
            if model not in found and listed.get(model) is not None:
                found[model] = listed[model]  # type: ignore[assignment]
        return found

"""The watchlist: which series to watch, validated before anything runs.

Format (YAML, documented in the README)::

    defaults:
      timeframe: 1h            # used by entries that name none
      backfill_candles: 720    # history fetched for a series seen for the first time
    series:
      - {source: kraken, symbol: BTC/USD}
      - {source: kraken, symbol: ETH/USD, timeframe: 4h}
      - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
    rules:                     # optional: parameter overrides per trigger rule
      rsi_oversold: {level: 25}

Every problem is reported at once, each naming the entry (``series[2]``) and,
when it can be told, the series it would have been.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crypto_advisor.contracts.series import (
    SOURCE_TIMEFRAMES,
    SOURCES,
    TIMEFRAME_MS,
    Series,
    SeriesError,
    normalize_symbol,
)

_COINGECKO_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class WatchlistError(ValueError):
    """The watchlist cannot be used; the message lists every problem and where it is."""


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeframe: str = "1h"
    backfill_candles: int = Field(default=720, ge=1, le=5000)

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str) -> str:
        if value not in TIMEFRAME_MS:
            raise ValueError(f"unknown timeframe {value!r}; expected one of {', '.join(TIMEFRAME_MS)}")
        return value


class Entry(BaseModel):
    """One line of the watchlist as written."""

    model_config = ConfigDict(extra="forbid")

    source: str
    symbol: str
    timeframe: str | None = None
    coingecko_id: str | None = None
    backfill_candles: int | None = Field(default=None, ge=1, le=5000)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"unknown source {value!r}; expected one of {', '.join(SOURCES)}")
        return value

    @field_validator("symbol")
    @classmethod
    def _well_formed_symbol(cls, value: str) -> str:
        try:
            return normalize_symbol(value)
        except SeriesError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str | None) -> str | None:
        if value is not None and value not in TIMEFRAME_MS:
            raise ValueError(f"unknown timeframe {value!r}; expected one of {', '.join(TIMEFRAME_MS)}")
        return value

    @model_validator(mode="after")
    def _coingecko_needs_id(self) -> Entry:
        if self.source == "coingecko":
            if not self.coingecko_id:
                raise ValueError("coingecko entries need coingecko_id (the coin's API id, e.g. 'bitcoin')")
            if not _COINGECKO_ID.match(self.coingecko_id):
                raise ValueError(f"malformed coingecko_id {self.coingecko_id!r}")
        return self


class WatchedSeries(BaseModel):
    """A validated entry with the defaults applied."""

    model_config = ConfigDict(frozen=True)

    series: Series
    backfill_candles: int
    coingecko_id: str | None = None


class Watchlist(BaseModel):
    model_config = ConfigDict(frozen=True)

    series: tuple[WatchedSeries, ...]
    #: rule id -> parameter overrides for the trigger rules (checked by ``analysis.rules.build_rules``)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def __iter__(self):  # type: ignore[override]
        return iter(self.series)

    def __len__(self) -> int:
        return len(self.series)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    series: list[dict[str, Any]] = Field(min_length=1)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _describe(raw: Any) -> str:
    if isinstance(raw, dict) and raw.get("symbol"):
        return f" ({raw.get('source', '?')} {raw.get('symbol')} {raw.get('timeframe') or ''})".replace(" )", ")")
    return ""


def parse_watchlist(text: str, origin: str = "watchlist") -> Watchlist:
    """Parse and validate a watchlist document; raise :class:`WatchlistError` listing every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WatchlistError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise WatchlistError(f"{origin}: expected a mapping with a 'series' list, got {type(document).__name__}")
    try:
        parsed = _File.model_validate(document)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise WatchlistError(f"{origin}: " + "; ".join(problems)) from None

    problems: list[str] = []
    watched: list[WatchedSeries] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(parsed.series):
        where = f"series[{index}]{_describe(raw)}"
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                field = _where(error["loc"])
                message = error["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: {field + ': ' if field != 'top level' else ''}{message}")
            continue
        series = Series.of(entry.source, entry.symbol, entry.timeframe or parsed.defaults.timeframe)
        if series.timeframe not in SOURCE_TIMEFRAMES[series.source]:
            offered = ", ".join(SOURCE_TIMEFRAMES[series.source])
            problems.append(f"{where}: {series.source} has no {series.timeframe} candles; it offers {offered}")
            continue
        if series.key in seen:
            problems.append(f"{where}: duplicate series {series.key} (first at series[{seen[series.key]}])")
            continue
        seen[series.key] = index
        watched.append(
            WatchedSeries(
                series=series,
                backfill_candles=entry.backfill_candles or parsed.defaults.backfill_candles,
                coingecko_id=entry.coingecko_id,
            )
        )
    if problems:
        raise WatchlistError(f"{origin}: " + "; ".join(problems))
    return Watchlist(series=tuple(watched), rules=parsed.rules)

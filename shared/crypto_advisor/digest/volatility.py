"""The volatility figures a digest leads with: the forecast range, the odds of a big move now, and against normal.

The forecast is the GARCH interval the analysis stored in the latest signal
(``Signal.predictions``, the item of ``kind == "interval"``): an ``level`` (80%)
range for the close ``horizon`` candles ahead. On real BTC data it is the
forecast with real out-of-sample skill, so the digest leads with it.

"What a +-X% move's probability is now": the range is read as a normal
distribution of the log return, centred on the range's midpoint with the
sigma its width implies (half-width / the normal quantile of the level). That
is the same reading a trader makes of a 1-sigma band; the interval's own
multiplier was calibrated on held-out rows, so the tails are the calibrated
ones, not an assumed Gaussian's. "Against normal": the same probability with
the series' own sigma over the stored candles (the last 30 days), scaled to
the same horizon by the square root of time, centred on zero.

Pure: plain numbers and Candles in, numbers out.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from crypto_advisor.contracts.candle import Candle

#: The move the digest gives the odds of, either way, in percent: a day most traders would call big.
MOVE_PCT = 5.0
#: Fewer log returns than this make no "normal" worth quoting.
MIN_RETURNS = 24

_STANDARD = NormalDist()


@dataclass(frozen=True)
class VolatilityForecast:
    """The stored interval of one series, read as odds."""

    level: float
    low: float
    high: float
    #: candles ahead, and the same in words ("24h")
    horizon: int
    horizon_label: str
    #: the close the forecast was made at
    close: float
    #: P(|move| >= MOVE_PCT) within the horizon: by the forecast, and on a normal day (None: too little history)
    odds_now: float
    odds_normal: float | None
    #: out of sample: how often the range held, and historical volatility's range's share
    coverage: float | None
    baseline_coverage: float | None
    beats_baseline: bool
    #: candles the out-of-sample figures cover
    n: int | None


def log_returns(candles: Sequence[Candle], timeframe_ms: int) -> list[float]:
    """Close-to-close log returns of consecutive candles; a gap breaks the chain instead of spanning it."""
    return [
        math.log(b.close / a.close)
        for a, b in itertools.pairwise(candles)
        if b.ts - a.ts == timeframe_ms and a.close > 0 and b.close > 0
    ]


def candle_sigma(candles: Sequence[Candle], timeframe_ms: int) -> float | None:
    """The standard deviation of one candle's log return over ``candles``, or None with too few."""
    returns = log_returns(candles, timeframe_ms)
    return statistics.stdev(returns) if len(returns) >= MIN_RETURNS else None


def realized_ratio(candles: Sequence[Candle], timeframe_ms: int, recent: int) -> float | None:
    """The sigma of the last ``recent`` returns against the sigma of all of them (1.0: a normal day)."""
    returns = log_returns(candles, timeframe_ms)
    if len(returns) < max(MIN_RETURNS, 2 * recent) or recent < 4:
        return None
    normal = statistics.stdev(returns)
    return statistics.stdev(returns[-recent:]) / normal if normal > 0 else None


def move_odds(center: float, sigma: float, move_pct: float = MOVE_PCT) -> float:
    """P(the log return is at least ``move_pct`` % up or down) when it is normal(``center``, ``sigma``)."""
    if not sigma > 0:
        return 0.0
    up, down = math.log1p(move_pct / 100), math.log1p(-move_pct / 100)
    return _STANDARD.cdf((down - center) / sigma) + 1 - _STANDARD.cdf((up - center) / sigma)


def interval_forecast(
    predictions: Sequence[Mapping[str, Any]], close: float, normal_sigma: float | None
) -> VolatilityForecast | None:
    """The stored interval of a signal's ``predictions`` read as odds; None when it holds none usable.

    ``close`` is the signal's close (the interval is about the close
    ``horizon`` candles after it); ``normal_sigma`` the series' usual sigma
    per candle (:func:`candle_sigma`).
    """
    item = next((p for p in predictions if isinstance(p, Mapping) and p.get("kind") == "interval"), None)
    if item is None:
        return None
    try:
        level, low, high = float(item["level"]), float(item["low"]), float(item["high"])
        horizon = int(item["horizon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 < level < 1 and 0 < low < high and close > 0 and horizon >= 1):
        return None
    z = _STANDARD.inv_cdf(0.5 + level / 2)
    center = (math.log(low) + math.log(high)) / 2 - math.log(close)
    sigma = (math.log(high) - math.log(low)) / 2 / z
    return VolatilityForecast(
        level=level,
        low=low,
        high=high,
        horizon=horizon,
        horizon_label=str(item.get("horizon_label") or f"{horizon} candles"),
        close=close,
        odds_now=move_odds(center, sigma),
        odds_normal=move_odds(0.0, normal_sigma * math.sqrt(horizon)) if normal_sigma else None,
        coverage=_fraction(item.get("coverage")),
        baseline_coverage=_fraction(item.get("baseline_coverage")),
        beats_baseline=item.get("beats_baseline") is True,
        n=int(item["n"]) if isinstance(item.get("n"), int) else None,
    )


def _fraction(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None

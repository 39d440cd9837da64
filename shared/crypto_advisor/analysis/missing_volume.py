"""Which rules could not judge a candle because a volume they read is missing, and why.

A candle's volume may be missing (``None`` in the candle contract: CoinGecko
had no volume sample at or before its close). The rules that read volume do
not fire on NaN (:func:`~crypto_advisor.analysis.rules.reading.tail`); this
module says so instead of leaving the silence unexplained: each such rule is
named with the reason in the Signal (``skipped``), so the email, the digest and
anyone reading the table know that the volume spike or the OBV divergence did
not look, rather than looked and found nothing.

A rule says how far back it reads volume with a ``volume_rows`` attribute (the
candles up to the judged one whose volume any value it reads depends on); a
rule without one reads no volume for a firing of its own (the Bollinger
breakout reads it only to call a breakout "on heavy volume").

A whole series can have no volume of its own per candle
(:func:`lacks_candle_volume`: CoinGecko shorter than a day). Its volume rules
and the user's conditions that read volume are skipped on every candle with
:data:`NO_CANDLE_VOLUME` as the reason
(:func:`~crypto_advisor.analysis.closed_candle.fit_rules`), and the rules and
the rarity judge its frame with the volume blanked (:func:`judged_frame`), as
for candles whose volume is missing: no breakout is "on heavy volume" and no
firing's rarity is its volume's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import SkippedRule
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.market.indicator_spec import volume_span

#: The source whose only volume is a rolling 24-hour one (``total_volumes`` of ``/market_chart``).
ROLLING_VOLUME_SOURCE = "coingecko"
#: Why nothing that reads volume judges a series that :func:`lacks_candle_volume` (the Signal's ``skipped``).
NO_CANDLE_VOLUME = (
    "CoinGecko gives only a rolling 24-hour volume, not this candle's own: no volume rule or condition "
    "on a CoinGecko series shorter than a day"
)


def lacks_candle_volume(series: Series) -> bool:
    """Whether ``series``' candles hold no volume of their own: a CoinGecko series shorter than a day.

    The one place that decides it. CoinGecko has no per-candle volume: the
    adapter stores its rolling 24-hour volume, scaled to the candle's length,
    as each candle's (:func:`~crypto_advisor.adapters.coingecko.build_candles`).
    On a daily candle that is about the day's own volume; on a shorter one it is
    a 24-hour moving sum, so a tenfold hourly surge reads about 1.4x, a day
    late, and OBV only counts rising and falling candles. The market scan's
    series (``coingecko-markets``) have their own table of skipped rules
    (:data:`~crypto_advisor.contracts.market_scan.SCAN_SKIPPED_RULES`).
    """
    return series.source == ROLLING_VOLUME_SOURCE and series.timeframe_ms < DAY_MS


def reads_volume(rule: Rule) -> bool:
    """Whether a firing of ``rule`` depends on volume: it says how far back with ``volume_rows`` (module doc)."""
    return getattr(rule, "volume_rows", None) is not None


def judged_frame(series: Series, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame the rules and the rarity judge ``series`` on: ``frame`` itself, or a copy with no volume.

    On a series that :func:`lacks_candle_volume`, every column that reads
    volume (:func:`~crypto_advisor.market.indicator_spec.volume_span`) is NaN,
    as where a candle's volume is missing, so no rule and no rarity can read the
    24-hour figure as the candle's. ``frame`` is not changed (a caller may share it).
    """
    if not lacks_candle_volume(series):
        return frame
    return frame.assign(**{column: np.nan for column in frame.columns if volume_span(column) is not None})


def skipped_for_missing_volume(frame: pd.DataFrame, rules: Iterable[Rule], fired: Iterable[str]) -> list[SkippedRule]:
    """The rules (other than those in ``fired``) whose volume reach holds a missing volume, with the reason.

    ``frame`` is the analysis frame, its last row the judged candle; a missing
    volume is NaN in its ``volume`` column.
    """
    volume = frame["volume"].to_numpy(dtype=float)
    ts = frame["ts"].to_numpy()
    fired_ids = set(fired)
    skipped: list[SkippedRule] = []
    for rule in rules:
        rows = getattr(rule, "volume_rows", None)
        if rows is None or rule.id in fired_ids:
            continue
        missing = np.flatnonzero(np.isnan(volume[-rows:]))
        if not len(missing):
            continue
        first = int(ts[len(ts) - min(rows, len(ts)) + missing[0]])
        skipped.append(
            SkippedRule(
                rule_id=rule.id,
                reason=(
                    f"volume missing on {len(missing)} of the {rows} candles it reads (the first opening "
                    f"{datetime.fromtimestamp(first / 1000, tz=UTC):%Y-%m-%d %H:%MZ}): the source had no volume "
                    "for them, so the rule did not judge this candle"
                ),
            )
        )
    return skipped

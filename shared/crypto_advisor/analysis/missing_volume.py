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
rule without one reads no volume.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.contracts.signal import SkippedRule


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

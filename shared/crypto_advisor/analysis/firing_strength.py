"""How strong a firing is against the same rule's past firings on the same series.

A rule's ``distance`` says how far past its threshold the value went, in the
rule's own unit (RSI points, % of a price line, multiples of the volume
average). Compared across rules it means nothing; compared with the same rule's
past firings on the same series it answers a trader's first question: is this
an ordinary RSI dip for this coin, or a deep one? The daily training run, which
replays the live analysis over the archive, keeps each rule's distribution of
past distances as :data:`POINTS` quantiles in the replay report
(``strength`` key); the notifier places a new firing in it. The report is
written before the candles it is quoted on, so the comparison is out of sample.

Pure and numpy-free (NotifyFunction reads the quantiles without the analysis stack): signals in, quantiles
out; a distance and quantiles in, a share out.
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crypto_advisor.contracts.signal import Signal

#: Quantiles kept per rule: every 5%, the minimum and maximum included.
POINTS = 21
#: Fewer past firings than this and no comparison is quoted.
MIN_PAST = 20


def strength_quantiles(signals: Iterable[tuple[int, Signal]]) -> dict[str, dict[str, Any]]:
    """``rule -> {"n": past firings, "quantiles": [POINTS absolute distances, ascending]}`` of walked signals."""
    distances: dict[str, list[float]] = defaultdict(list)
    for _, signal in signals:
        for firing in signal.firings:
            distances[firing.rule_id].append(abs(firing.distance))
    return {rule: {"n": len(values), "quantiles": _quantiles(values)} for rule, values in distances.items()}


def _quantiles(values: list[float]) -> list[float]:
    """:data:`POINTS` quantiles from the minimum to the maximum (numpy's default, linear, interpolation)."""
    if len(values) == 1:
        return [values[0]] * POINTS
    cuts = statistics.quantiles(values, n=POINTS - 1, method="inclusive")
    return [min(values), *cuts, max(values)]


def stronger_than(distance: float, quantiles: Sequence[float]) -> float:
    """The share of past firings (as their quantiles) whose distance was smaller than ``distance``, interpolated."""
    magnitude = abs(distance)
    if not quantiles:
        raise ValueError("no quantiles to compare with")
    if magnitude <= quantiles[0]:
        return 0.0
    if magnitude >= quantiles[-1]:
        return 1.0
    upper = bisect.bisect_right(quantiles, magnitude)
    low, high = quantiles[upper - 1], quantiles[upper]
    within = (magnitude - low) / (high - low) if high > low else 0.0
    return (upper - 1 + within) / (len(quantiles) - 1)


def read_strength(entry: object) -> tuple[int, tuple[float, ...]] | None:
    """``(n, quantiles)`` from a report's ``strength[rule]``, None when absent or too few; ValueError when malformed."""
    if entry is None:
        return None
    if not isinstance(entry, Mapping):
        raise ValueError(f"strength entry is not a mapping: {entry!r:.80}")
    n, quantiles = entry.get("n"), entry.get("quantiles")
    if isinstance(n, bool) or not isinstance(n, int) or not isinstance(quantiles, list) or len(quantiles) < 2:
        raise ValueError(f"strength entry needs a count n and a list of quantiles: {dict(entry)!r:.120}")
    values = tuple(float(q) for q in quantiles)
    if list(values) != sorted(values):
        raise ValueError("strength quantiles are not in ascending order")
    return (n, values) if n >= MIN_PAST else None

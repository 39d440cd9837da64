"""Significance arithmetic without numpy: Student's t tail, Holm's correction, the level a t bar stands for.

Apart from :mod:`crypto_advisor.forecast.metrics` (which needs numpy for the
block means) because NotifyFunction judges each model's live record with the
same reading as the cards (:mod:`crypto_advisor.notify.grading`) and words its
emails without numpy; the tests compare :func:`student_t_sf` with scipy's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from statistics import NormalDist


def one_sided_level(t_bar: float) -> float:
    """The one-sided error rate a bar of ``t_bar`` stands for on a large sample: 0.02275 for t >= 2."""
    return NormalDist().cdf(-t_bar)


def one_sample_t(values: Sequence[float]) -> float:
    """The t statistic of the mean of independent ``values``; 0.0 with fewer than two or no spread (no evidence
    either way), as :func:`crypto_advisor.forecast.metrics.block_test` reads one-row blocks."""
    if len(values) < 2:
        return 0.0
    sd = statistics.stdev(values)
    if sd == 0 or not math.isfinite(sd):
        return 0.0
    return statistics.fmean(values) / (sd / math.sqrt(len(values)))


def student_t_sf(t: float, df: int) -> float:
    """``P(T >= t)`` for Student's t with ``df`` (a whole number >= 1) degrees of freedom.

    By the finite series of Abramowitz and Stegun 26.7.3 and 26.7.4 for whole
    degrees of freedom, so the cards need no scipy (the tests compare it with
    scipy's): exact up to rounding, about 1e-15 absolute, so tails far smaller
    read as 0. Over ``k`` block means the t statistic has ``k - 1``.
    """
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df!r}")
    if math.isnan(t):
        raise ValueError("the t statistic is NaN")
    theta = math.atan(abs(t) / math.sqrt(df)) if math.isfinite(t) else math.pi / 2
    sin, cos2 = math.sin(theta), math.cos(theta) ** 2
    total = 0.0
    if df % 2:
        term = math.cos(theta)
        for j in range(1, (df - 1) // 2 + 1):
            total += term
            term *= cos2 * (2 * j) / (2 * j + 1)
        inside = 2 / math.pi * (theta + sin * total)
    else:
        term = 1.0
        for j in range(1, df // 2 + 1):
            total += term
            term *= cos2 * (2 * j - 1) / (2 * j)
        inside = sin * total
    # ``inside`` is P(|T| < |t|): half of the rest lies beyond t on each side. Rounding can take it a hair
    # past 1 for huge t; a probability stays in [0, 1].
    inside = min(inside, 1.0)
    return (1 - inside) / 2 if t >= 0 else (1 + inside) / 2


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    Rejecting every test whose adjusted p-value is at most ``alpha`` keeps the
    chance of any false rejection in the family at most ``alpha``, whatever
    the tests' dependence (Holm 1979): the smallest p-value is compared with
    ``alpha / m``, the next with ``alpha / (m - 1)``, and so on, stopping at the
    first that fails.
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted

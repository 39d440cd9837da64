"""Out-of-sample scores: for breakouts, price paths and intervals, each beside its baseline.

numpy only, written out rather than borrowed from scikit-learn so the card
logic runs wherever the cards are read; the tests check the AUC and Brier
score against scikit-learn's own.

Significance. Targets at neighbouring candles share ``H - 1`` future candles,
so out-of-sample rows are far from independent and a plain standard error
would flatter every model. :func:`block_test` averages the per-row loss
advantage over short blocks of rows with the ``H - 1`` rows after each block
dropped, so that no two blocks' targets share a candle (see :func:`block_means`
for the measurements behind the design), and takes the t statistic of those
block means; :func:`student_t_sf` turns it into a one-sided p-value on
``blocks - 1`` degrees of freedom (a t of 2 over 5 blocks is far weaker
evidence than over 100), and :func:`holm` corrects the p-values of several
models judged together. Fewer than :data:`MIN_BLOCKS` blocks are too few to
test at all.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

# The tail and the correction live apart from numpy (NotifyFunction reads them too); the cards read them here.
from crypto_advisor.forecast.significance import holm as holm
from crypto_advisor.forecast.significance import student_t_sf as student_t_sf


def roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Probability that a random positive is ranked above a random negative (ties count half); None with one class."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    positives = int((y == 1).sum())
    negatives = len(y) - positives
    if not positives or not negatives:
        return None
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    ranks = np.empty(len(p))
    # Average ranks over ties (1-based), as Mann-Whitney's U needs.
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_p)) + 1]
    ends = np.r_[starts[1:], len(p)]
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = (s + e + 1) / 2
    u = ranks[y == 1].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the probabilities."""
    return float(np.mean((np.asarray(p, dtype=np.float64) - np.asarray(y, dtype=np.float64)) ** 2))


def skill(model_loss: float, baseline_loss: float) -> float | None:
    """``1 - model / baseline``: positive when the model's loss is smaller; None when the baseline's is 0."""
    return None if baseline_loss == 0 else 1 - model_loss / baseline_loss


def precision_recall(y: np.ndarray, p: np.ndarray, threshold: float) -> tuple[float | None, float | None]:
    """Precision and recall of "alert when p >= threshold"; None where the ratio has no denominator."""
    y = np.asarray(y, dtype=np.float64) == 1
    alert = np.asarray(p, dtype=np.float64) >= threshold
    hits = int((alert & y).sum())
    precision = hits / int(alert.sum()) if alert.any() else None
    recall = hits / int(y.sum()) if y.any() else None
    return precision, recall


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float | int]]:
    """Per equal-width probability bin with rows in it: its range, count, mean forecast and observed frequency."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    index = np.minimum((p * bins).astype(int), bins - 1)
    table: list[dict[str, float | int]] = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            table.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "n": int(inside.sum()),
                    "forecast": float(p[inside].mean()),
                    "observed": float(y[inside].mean()),
                }
            )
    return table


#: Fewer independent blocks than this are too few to test. The Student t assumes normal block means; simulated
#: no-skill advantages (absolute errors, Brier scores of a 1-in-5 event, 10,000 runs each) held the level from 8
#: to 30 blocks (1.7-2.3% against 2.3%), but real losses are more skewed (an interval score charges 10x a miss, a
#: rare breakout's Brier score is mostly zeros), a skew a few block means do not average out. 20 is the floor of
#: the rules' records too (:data:`crypto_advisor.analysis.rule_edge.MIN_BLOCKS`): about 520 out-of-sample rows of
#: 24-candle targets, 960 hourly candles of history.
MIN_BLOCKS = 20


def block_rows(block: int) -> int:
    """Rows averaged into one block for targets spanning ``block`` candles: a sixth of them, at least one."""
    return max(1, math.ceil(block / 6))


def block_means(advantage: np.ndarray, block: int) -> np.ndarray:
    """Means of the blocks of :func:`block_rows` rows, ``block - 1`` rows apart, of ``advantage`` (in time order).

    ``block`` is how many candles each row's target spans (``H``; 1 when the
    rows' outcomes do not overlap). Row ``t``'s target is candles ``t+1 ..
    t+H``, so a block of ``B`` rows starting at ``s`` measures candles ``s+1 ..
    s+B-1+H``; dropping the next ``H - 1`` rows starts the next block at row
    ``s+B+H-1``, whose target begins at candle ``s+B+H``: no candle is in two
    blocks. A row's forecast only uses candles up to the row, so with no skill
    each block mean has expectation 0 given every earlier block, and the block
    means are uncorrelated (martingale differences), which the t statistic
    assumes. Consecutive blocks of ``H`` rows shared up to ``H - 1`` candles
    with their neighbours (block means' lag-1 autocorrelation 0.17, 3.4% of
    no-skill forecasts at t >= 2 against 2.3% nominal).

    The block length trades two things, measured on the planted markets of the
    tests (10 seeds, 40 model cards) and on simulated no-skill forecasts:
    rows a few candles apart repeat nearly the same target, so long blocks add
    little while every block costs ``H - 1`` dropped rows (blocks of ``H`` rows
    gave t statistics about a quarter smaller than blocks of 1 to 4, and half as
    many blocks), but a block of one row of a 0/1 outcome is far from normal
    (at 20 blocks, 2.9% false "beats" against 2.3% nominal; 4-row blocks 2.2%).
    A sixth of ``H`` (4 rows for 24 candles) keeps the t statistic's power and
    its calibration. A trailing partial block is dropped.
    """
    a = np.asarray(advantage, dtype=np.float64)
    if block < 1:
        raise ValueError(f"block must be a whole number of candles >= 1, got {block}")
    rows = block_rows(block)
    stride = rows + block - 1
    count = (len(a) - rows) // stride + 1 if len(a) >= rows else 0
    starts = np.arange(count) * stride
    return a[starts[:, None] + np.arange(rows)[None, :]].mean(axis=1)


def block_test(advantage: np.ndarray, block: int) -> tuple[float, int]:
    """The t statistic of the mean of ``advantage`` over :func:`block_means`, and how many blocks it rests on.

    ``advantage`` is the baseline's loss minus the model's, per row in time
    order. The t is 0.0 when there are fewer than two blocks or no spread (no
    evidence either way).
    """
    means = block_means(advantage, block)
    k = len(means)
    if k < 2:
        return 0.0, k
    sd = float(means.std(ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return 0.0, k
    return float(means.mean() / (sd / math.sqrt(k))), k


def block_t(advantage: np.ndarray, block: int) -> float:
    """The t statistic of :func:`block_test` alone."""
    return block_test(advantage, block)[0]


def price_errors(forecast: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """MAE and RMSE of price forecasts, in price units."""
    err = np.asarray(forecast, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2)))}


def directional_accuracy(predicted_return: np.ndarray, actual_return: np.ndarray) -> float | None:
    """Share of rows where the forecast's sign matches the move's, over rows where the forecast has a sign."""
    pred = np.sign(np.asarray(predicted_return, dtype=np.float64))
    actual = np.sign(np.asarray(actual_return, dtype=np.float64))
    signed = pred != 0
    return float((pred[signed] == actual[signed]).mean()) if signed.any() else None


def z_of(level: float) -> float:
    """The standard normal quantile bounding a central ``level`` interval (1.2816 for 80%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def interval_scores(actual: np.ndarray, low: np.ndarray, high: np.ndarray, level: float) -> np.ndarray:
    """Per row, Gneiting and Raftery's interval score: width plus ``2 / (1 - level)`` times any miss.

    Lower is better. It rewards a narrow interval only while it still holds the
    outcome as often as it claims, so a model cannot win by coverage alone nor
    by width alone.
    """
    actual = np.asarray(actual, dtype=np.float64)
    penalty = 2 / (1 - level)
    return (high - low) + penalty * np.clip(low - actual, 0, None) + penalty * np.clip(actual - high, 0, None)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of outcomes inside their interval."""
    actual = np.asarray(actual, dtype=np.float64)
    return float(((actual >= low) & (actual <= high)).mean())

"""Out-of-sample scores: for breakouts, price paths and intervals, each beside its baseline.

numpy only, written out rather than borrowed from scikit-learn so the card
logic runs wherever the cards are read; the tests check the AUC and Brier
score against scikit-learn's own.

Significance. Targets at neighbouring candles share ``H - 1`` future candles,
so out-of-sample rows are far from independent and a plain standard error
would flatter every model. :func:`block_t` averages the per-row loss advantage
over non-overlapping blocks of ``H`` rows and takes the t statistic of those
block means; a model "beats" its baseline only when that t clears the
configured bar, so a lucky streak on a random walk is not called skill.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


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


def block_t(advantage: np.ndarray, block: int) -> float:
    """t statistic of the mean of ``advantage`` (baseline loss - model loss per row, in time order).

    Rows are averaged within consecutive non-overlapping blocks of ``block``
    rows (a trailing partial block is dropped) and the t statistic is that of
    the block means. 0.0 when there are fewer than two blocks or no spread
    (no evidence either way).
    """
    a = np.asarray(advantage, dtype=np.float64)
    k = len(a) // block
    if k < 2:
        return 0.0
    means = a[: k * block].reshape(k, block).mean(axis=1)
    sd = float(means.std(ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return 0.0
    return float(means.mean() / (sd / math.sqrt(k)))


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

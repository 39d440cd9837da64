"""The market scan's breakout model: recent price and 24 h volume changes -> P(+X% within H hours), across coins.

The long-tail strategy's idea: a coin whose price and volume just started to
move is more likely than the rest to run. One model for the whole scan,
trained on every coin's hourly closes together (a single coin's history holds
too few breakouts), with the features scale-free so that a 40,000 USD coin and
a 0.001 USD one read alike:

* the log return over 1, 6, 24 and 72 hours;
* the hourly volatility over 24 hours (a +10% day is routine for some coins);
* the change of the rolling 24 h volume against its reading a day before (log
  ratio), and against its own week (log ratio to its 7-day median); missing
  where the scan holds no volume reading (its first week of a coin: the
  sparkline's past has none) or a reading of 0 (no log ratio), and such rows
  are not used.

The label at hour ``t`` is whether a close in ``t+1 .. t+H`` reaches
``close[t] * (1 + X/100)`` (:func:`~crypto_advisor.forecast.labels.breakout_labels`;
default X = 10, H = 24). Each row's volume is the 24 h figure the scan read
minutes after the candle closed, the time the alert would be sent; the
label starts from that candle's close.

**Walk-forward, out of sample.** The folds are cut in time, over the hours
(not the rows: every coin's row of an hour is on the same side), with the
purge of H hours of :func:`~crypto_advisor.forecast.walkforward.walk_forward_folds`,
so no training label reaches into a test hour. The random forest of
:func:`~crypto_advisor.forecast.breakout_rf.fit_breakout` is refitted per fold
on the training hours alone and scored against the training base rate. The
significance is counted in hours, not rows: a market hour moves all coins
together, so the loss advantage is averaged per hour first and its t
statistic taken over blocks of H hours (:func:`~crypto_advisor.forecast.metrics.block_t`).
Without a t of ``significance_t`` over the base rate (and an AUC above 0.5)
the card says "no skill", and so do the digest and the emails quoting it.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.forecast.card import ModelCard, breakout_card, judge
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.labels import breakout_labels
from crypto_advisor.forecast.verdicts import BEATS
from crypto_advisor.forecast.walkforward import walk_forward_folds

#: The model's name on its card.
SCAN_BREAKOUT_RF = "scan_breakout_rf"
#: The scan's default target: +10% within 24 hours (the long-tail strategy's breakout).
SCAN_CONFIG = ForecastConfig(horizon=24, threshold_pct=10.0, folds=4, min_train_fraction=0.4, rf_trees=60)
FEATURES = ("ret_1h", "ret_6h", "ret_24h", "ret_72h", "vol_24h", "volume_change_24h", "volume_vs_week")
#: Hours of history a row needs before its features are defined (the 72 h return; the week's volume median).
WARM_UP = 7 * 24


def coin_features(candles: Sequence[Candle]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hour stamps, features ``[n, len(FEATURES)]``, closes) of one coin's hourly candles (gaps: NaN features)."""
    if not candles:
        return np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))), np.zeros(0)
    first, last = candles[0].ts, candles[-1].ts
    n = (last - first) // HOUR_MS + 1
    ts = first + np.arange(n, dtype=np.int64) * HOUR_MS
    close = np.full(n, np.nan)
    volume = np.full(n, np.nan)
    for c in candles:
        i = (c.ts - first) // HOUR_MS
        close[i] = c.close
        volume[i] = np.nan if c.volume is None else c.volume
    log_close = np.log(close)
    out = np.full((n, len(FEATURES)), np.nan)
    for column, lag in enumerate((1, 6, 24, 72)):
        out[lag:, column] = log_close[lag:] - log_close[:-lag]
    steps = np.full(n, np.nan)
    steps[1:] = np.diff(log_close)
    if n >= 24:
        windows = np.lib.stride_tricks.sliding_window_view(steps, 24)
        out[23:, 4] = windows.std(axis=1)
    log_volume = np.log(_traded(volume))
    out[24:, 5] = log_volume[24:] - log_volume[:-24]
    if n >= WARM_UP:
        weeks = np.lib.stride_tricks.sliding_window_view(log_volume, WARM_UP)
        with warnings.catch_warnings():  # a week without any volume reading has no median: NaN, as meant
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(weeks, axis=1)
        out[WARM_UP - 1 :, 6] = log_volume[WARM_UP - 1 :] - median
    return ts, out, close


def _traded(volume: np.ndarray) -> np.ndarray:
    """The volumes with a reading of 0 (CoinGecko's for an hour nobody traded the coin) as no reading (NaN).

    The volume features are log ratios, and a ratio to or from nothing has no
    value: log(0) is -inf, and the row would carry an infinity. Counting it as
    missing drops the two rows whose 24 h change reads it (that hour's and the
    one a day later) and leaves it out of the week's median, like a missing
    reading; every other row keeps its exact, scale-free value. Not log1p (or
    any floor): the floor is in the scan's currency (a BTC-quoted scan's thin
    coins trade under one unit a day), so the features would stop being
    scale-free, and the hour a day after a zero would read as a surge of the floor's
    choosing, the very pattern the model learns to call a breakout.
    """
    return np.where(volume > 0, volume, np.nan)


@dataclass(frozen=True)
class ScanDataset:
    """Every coin's usable rows, pooled: hour stamp, coin index, features, label (NaN: outcome not known yet)."""

    coins: tuple[str, ...]
    ts: np.ndarray
    coin: np.ndarray
    x: np.ndarray
    y: np.ndarray


def build_scan_dataset(candles: Mapping[str, Sequence[Candle]], config: ForecastConfig) -> ScanDataset:
    """Pool the coins' rows whose features are all defined, labelled +X% within H (NaN for the last H hours)."""
    keys = tuple(sorted(candles))
    parts_ts, parts_coin, parts_x, parts_y = [], [], [], []
    for index, key in enumerate(keys):
        ts, x, close = coin_features(candles[key])
        y = breakout_labels(close, horizon=config.horizon, threshold_pct=config.threshold_pct)
        # an hour whose future holds a gap is not a known outcome either
        gap = np.isnan(close)
        if len(close) > config.horizon:
            known = len(close) - config.horizon
            ahead_gap = np.asarray(np.lib.stride_tricks.sliding_window_view(gap[1:], config.horizon).any(axis=1))
            y[:known][ahead_gap[:known]] = np.nan
        # finite, not merely not NaN: a row the model cannot read must not reach it (scikit-learn refuses an
        # infinity, and the whole scan would go without a model); training and prediction rows share this mask
        ready = np.isfinite(x).all(axis=1)
        parts_ts.append(ts[ready])
        parts_coin.append(np.full(int(ready.sum()), index))
        parts_x.append(x[ready])
        parts_y.append(y[ready])
    if not keys:
        return ScanDataset((), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, 7)), np.zeros(0))
    ts = np.concatenate(parts_ts)
    order = np.argsort(ts, kind="stable")
    return ScanDataset(
        keys,
        ts[order],
        np.concatenate(parts_coin)[order],
        np.concatenate(parts_x)[order],
        np.concatenate(parts_y)[order],
    )


@dataclass(frozen=True)
class ScanBreakouts:
    """The model's walk-forward card and its probabilities at each coin's newest hour (with the hour)."""

    card: ModelCard
    latest: dict[str, tuple[int, float]]
    config: ForecastConfig

    @property
    def skilled(self) -> bool:
        return self.card.verdict == BEATS

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": SCAN_BREAKOUT_RF,
            "horizon_hours": self.config.horizon,
            "threshold_pct": self.config.threshold_pct,
            "card": self.card.to_dict(),
            "latest": {key: {"ts": ts, "probability": p} for key, (ts, p) in self.latest.items()},
        }


def evaluate_scan(
    candles: Mapping[str, Sequence[Candle]], *, name: str, config: ForecastConfig = SCAN_CONFIG
) -> ScanBreakouts:
    """Walk-forward card of the scan's breakout model over every coin, then the model refitted on all the labelled
    rows, predicting each coin's newest hour. Raises ValueError when the history is too short to test."""
    # scikit-learn on first use, as training/forecaster.py has it: TrainFunction's composition root imports this
    # module, and its cold start need not load scikit-learn and SciPy (about 1 s) before it knows what to train.
    from crypto_advisor.forecast.breakout_rf import fit_breakout

    data = build_scan_dataset(candles, config)
    labelled = ~np.isnan(data.y)
    hours = np.unique(data.ts[labelled])
    positions = ((hours - hours[0]) // HOUR_MS) if len(hours) else hours
    folds = walk_forward_folds(
        positions,
        folds=config.folds,
        horizon=config.horizon,
        min_train_fraction=config.min_train_fraction,
        min_train_rows=config.horizon,
    )
    row_hour = (data.ts - (hours[0] if len(hours) else 0)) // HOUR_MS
    ys, ps, bases, test_hours = [], [], [], []
    for fold in folds:
        train = labelled & np.isin(row_hour, fold.train)
        test = labelled & np.isin(row_hour, fold.test)
        model = fit_breakout(data.x[train], data.y[train], config)
        ys.append(data.y[test])
        ps.append(model.predict(data.x[test]))
        bases.append(np.full(int(test.sum()), model.base_rate))
        test_hours.append(row_hour[test])
    y, p, base, hour = (np.concatenate(a) for a in (ys, ps, bases, test_hours))
    card = breakout_card(series=name, model=SCAN_BREAKOUT_RF, config=config, folds=len(folds), y=y, p=p, base=base)
    card = _hour_clustered(card, y, p, base, hour, config)
    final = fit_breakout(data.x[labelled], data.y[labelled], config)
    latest: dict[str, tuple[int, float]] = {}
    for index, key in enumerate(data.coins):
        rows = np.flatnonzero(data.coin == index)
        if len(rows):
            newest = rows[np.argmax(data.ts[rows])]
            latest[key] = (int(data.ts[newest]), float(final.predict(data.x[newest : newest + 1])[0]))
    return ScanBreakouts(card=card, latest=latest, config=config)


def _hour_clustered(
    card: ModelCard, y: np.ndarray, p: np.ndarray, base: np.ndarray, hour: np.ndarray, config: ForecastConfig
) -> ModelCard:
    """The card with its test counted in hours (the coins of one hour move together): its t, blocks, p-value and
    verdict all from the same per-hour advantages, judged as every card is
    (:func:`~crypto_advisor.forecast.card.judge`)."""
    advantage = (base - y) ** 2 - (p - y) ** 2
    order = np.unique(hour)
    per_hour = np.array([advantage[hour == h].mean() for h in order])
    auc = card.scores["model"].get("auc")
    judged = judge({"base_rate": per_hour}, ["base_rate"], config, plausible=(auc or 0.5) > 0.5)
    return dataclasses.replace(card, **judged.fields())

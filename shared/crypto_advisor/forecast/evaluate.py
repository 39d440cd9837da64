"""Walk-forward evaluation of every model of a series, with its baselines: the model cards.

Per fold, every model and baseline is fitted on that fold's training rows
alone (:func:`fit_fold`), then forecasts the fold's test rows; the test rows of
all folds, in time order, are what the cards score. The models are the ones
:func:`~crypto_advisor.forecast.train.fit_final` later fits on the whole
history, with the same configuration, so the card describes what is deployed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast import baselines
from crypto_advisor.forecast.breakout_rf import BreakoutForest, fit_breakout
from crypto_advisor.forecast.card import (
    BREAKOUT_RF,
    PATH_LINEAR,
    PATH_LSTM,
    VOL_GARCH,
    ModelCard,
    breakout_card,
    interval_card,
    judge_family,
    path_card,
)
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import Dataset, build_dataset
from crypto_advisor.forecast.intervals import bounds, calibrated_multiplier, held_out_split
from crypto_advisor.forecast.path_linear import LinearPath, fit_linear
from crypto_advisor.forecast.path_lstm import LstmPath, fit_lstm
from crypto_advisor.forecast.vol_garch import GarchVol, fit_garch
from crypto_advisor.forecast.walkforward import Fold, walk_forward_folds


@dataclass(frozen=True, slots=True)
class FoldFit:
    """Everything fitted on one fold's training rows."""

    fold: Fold
    breakout: BreakoutForest
    linear: LinearPath
    lstm: LstmPath
    garch: GarchVol
    base_rate: float
    #: Mean log return per candle over the training candles.
    drift: float
    #: Standard deviation of the H-candle log return per volatility forecast ("garch", "historical",
    #: "ewma"), at every training and test row (NaN elsewhere).
    sigmas: dict[str, np.ndarray]
    #: Interval multiplier per volatility forecast, calibrated on the training rows.
    multipliers: dict[str, float]


def fit_fold(data: Dataset, fold: Fold, config: ForecastConfig) -> FoldFit:
    """Fit every model and baseline on ``fold.train``, and their volatility forecasts at the test origins.

    Forecasts at a test row use candles up to that row only (GARCH and EWMA
    filter the returns with parameters fitted on the training rows).
    """
    train, test = fold.train, fold.test
    last = int(train[-1])
    h = config.horizon
    # Candles 1 .. last: everything up to the last training row, nothing after it.
    train_returns = data.log_returns[1 : last + 1]
    linear = fit_linear(data.features[train], data.path[train], config)
    origins = np.r_[train, test]
    garch = fit_garch(data.log_returns, fit_through=last, origins=origins, horizon=h)
    ewma = baselines.ewma_next_variance(
        data.log_returns, decay=config.ewma_lambda, seed_variance=float(np.var(train_returns))
    )
    sigmas = {name: np.full(len(data.close), np.nan) for name in ("garch", "historical", "ewma")}
    sigmas["garch"][origins] = [garch.horizon_sigma(int(t)) for t in origins]
    sigmas["historical"][origins] = baselines.historical_sigma(train_returns, h)
    sigmas["ewma"][origins] = np.sqrt(h * ewma[origins])
    fit_part, held = held_out_split(train, h)
    center = fit_linear(data.features[fit_part], data.path[fit_part], config).predict(data.features[held]).sum(axis=1)
    actual = data.path[held].sum(axis=1)
    return FoldFit(
        fold=fold,
        breakout=fit_breakout(data.features[train], data.breakout[train], config),
        linear=linear,
        lstm=fit_lstm(data.features, train, data.path[train], config),
        garch=garch,
        base_rate=baselines.base_rate(data.breakout[train]),
        drift=baselines.mean_return(train_returns),
        sigmas=sigmas,
        multipliers={
            name: calibrated_multiplier(actual, center, sigma[held], config.interval) for name, sigma in sigmas.items()
        },
    )


@dataclass(slots=True)
class _OutOfSample:
    """Forecasts and outcomes of the test rows, fold after fold."""

    parts: dict[str, list[np.ndarray]]

    def add(self, name: str, values: np.ndarray) -> None:
        self.parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))

    def get(self, name: str) -> np.ndarray:
        return np.concatenate(self.parts[name])


def _forecast_fold(data: Dataset, fit: FoldFit, config: ForecastConfig, out: _OutOfSample) -> None:
    test = fit.fold.test
    h = config.horizon
    out.add("y", data.breakout[test])
    out.add("p_rf", fit.breakout.predict(data.features[test]))
    out.add("p_base", np.full(len(test), fit.base_rate))
    out.add("close", data.close[test])
    out.add("path", data.path[test])
    linear = fit.linear.predict(data.features[test])
    out.add("linear", linear)
    out.add("lstm", fit.lstm.predict(data.features, test))
    out.add("drift", baselines.drift_path(fit.drift, len(test), h))
    out.add("persistence", baselines.persistence_path(len(test), h))
    # Every interval is centred on the linear path forecast: only the width differs, so the
    # interval card compares volatility forecasts and nothing else.
    center = linear.sum(axis=1)
    for name, sigma in fit.sigmas.items():
        low, high = bounds(center, sigma[test], fit.multipliers[name])
        out.add(f"{name}_low", low)
        out.add(f"{name}_high", high)
        out.add(f"{name}_multiplier", np.full(len(test), fit.multipliers[name]))


def evaluate_dataset(data: Dataset, config: ForecastConfig, *, series: str) -> list[ModelCard]:
    """The four model cards of a prepared dataset, judged together (:func:`~crypto_advisor.forecast.card.judge_family`:
    Holm's correction across them, so a series shows a skilled model without skill no more often than one test
    would)."""
    folds = walk_forward_folds(
        data.rows, folds=config.folds, horizon=config.horizon, min_train_fraction=config.min_train_fraction
    )
    out = _OutOfSample(parts={})
    for fold in folds:
        _forecast_fold(data, fit_fold(data, fold, config), config, out)
    common: dict[str, Any] = {"series": series, "config": config, "folds": len(folds)}
    close, path = out.get("close"), out.get("path")
    persistence, drift = out.get("persistence"), out.get("drift")
    actual_h = path.sum(axis=1)
    cards = [
        breakout_card(model=BREAKOUT_RF, y=out.get("y"), p=out.get("p_rf"), base=out.get("p_base"), **common),
        *(
            path_card(
                model=name,
                close=close,
                actual=path,
                forecasts={"model": out.get(key), "persistence": persistence, "drift": drift},
                **common,
            )
            for name, key in ((PATH_LINEAR, "linear"), (PATH_LSTM, "lstm"))
        ),
        interval_card(
            model=VOL_GARCH,
            actual=actual_h,
            intervals={
                "model": (out.get("garch_low"), out.get("garch_high")),
                "historical": (out.get("historical_low"), out.get("historical_high")),
                "ewma": (out.get("ewma_low"), out.get("ewma_high")),
            },
            multipliers={
                name: float(out.get(f"{key}_multiplier").mean())
                for name, key in (("model", "garch"), ("historical", "historical"), ("ewma", "ewma"))
            },
            **common,
        ),
    ]
    return judge_family(cards, config)


def evaluate_series(
    candles: Sequence[Candle] | pd.DataFrame, config: ForecastConfig | None = None, *, series: str
) -> list[ModelCard]:
    """Walk-forward model cards for one series' closed candles (oldest first; a hole splits them into gap-free runs,
    each built on its own: :func:`~crypto_advisor.forecast.dataset.build_dataset`)."""
    config = config or ForecastConfig.for_series(series)
    return evaluate_dataset(build_dataset(candles, config), config, series=series)

"""Fit every model on a series' whole history for deployment, after the walk-forward evaluation scored them.

:func:`train_series` is what TrainFunction (or ``make train``) calls per
series: the cards first, from the walk-forward folds, then the same models
fitted on every usable row, bundled with those cards so each live prediction
can quote how good its model was out of sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.breakout_rf import fit_breakout
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.dataset import Dataset, build_dataset
from crypto_advisor.forecast.evaluate import evaluate_dataset
from crypto_advisor.forecast.intervals import held_out_split
from crypto_advisor.forecast.path_linear import fit_linear
from crypto_advisor.forecast.path_lstm import fit_lstm
from crypto_advisor.forecast.vol_garch import garch_artifact


def fit_final(
    candles: Sequence[Candle] | pd.DataFrame,
    config: ForecastConfig | None = None,
    *,
    series: str,
    cards: Sequence[ModelCard],
) -> Artifacts:
    """The deployable models of one series, fitted on all of its history, with the cards of their evaluation."""
    config = config or ForecastConfig.for_series(series)
    return _fit_dataset(build_dataset(candles, config), config, series=series, cards=cards)


def train_series(
    candles: Sequence[Candle] | pd.DataFrame, config: ForecastConfig | None = None, *, series: str
) -> tuple[list[ModelCard], Artifacts]:
    """Walk-forward cards, then the final fit: what a training run produces for one series.

    Raises ``ValueError`` when the history is too short for the walk-forward
    folds (a few hundred candles are needed; 720 is enough).
    """
    config = config or ForecastConfig.for_series(series)
    data = build_dataset(candles, config)
    cards = evaluate_dataset(data, config, series=series)
    return cards, _fit_dataset(data, config, series=series, cards=cards)


def _fit_dataset(data: Dataset, config: ForecastConfig, *, series: str, cards: Sequence[ModelCard]) -> Artifacts:
    rows = data.rows
    if not len(rows):
        raise ValueError(f"{series}: no usable rows in {len(data.close)} candles")
    linear = fit_linear(data.features[rows], data.path[rows], config)
    # The interval's width is calibrated as in each walk-forward fold: on the last rows, around a
    # centre fitted without them.
    fit_part, held = held_out_split(rows, config.horizon)
    center = fit_linear(data.features[fit_part], data.path[fit_part], config).predict(data.features[held])
    garch = garch_artifact(
        data.log_returns,
        data.ts,
        rows=held,
        center=center.sum(axis=1),
        actual=data.path[held].sum(axis=1),
        level=config.interval,
        horizon=config.horizon,
    )
    return Artifacts(
        series=series,
        config=config,
        feature_names=data.feature_names,
        trained_from_ts=int(data.ts[0]),
        trained_through_ts=int(data.ts[-1]),
        candles=len(data.close),
        forest=fit_breakout(data.features[rows], data.breakout[rows], config).to_artifact(),
        linear=linear.to_artifact(),
        lstm=fit_lstm(data.features, rows, data.path[rows], config).to_artifact(),
        garch=garch,
        cards=tuple(card.to_dict() for card in cards),
    )

"""Live predictions for one series from its artifacts: what AnalyzeFunction runs on each closed candle.

numpy and pandas only (through :mod:`.inference`): scikit-learn, torch and
arch stay in the training image; a test imports this module with them
blocked. The candles are the analysis window (the last 720), oldest first;
the prediction is made at the last one. The analysis hands over the indicator
frame it built for its rules, so one series update computes the indicators once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import ArtifactError
from crypto_advisor.contracts.series import Series
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import BREAKOUT_RF, PATH_LINEAR, PATH_LSTM, VOL_GARCH
from crypto_advisor.forecast.dataset import frame_of, window_ready_mask
from crypto_advisor.forecast.features import features_from_indicators
from crypto_advisor.forecast.numpy_inference import (
    forest_proba,
    garch_state,
    garch_variance_path,
    linear_predict,
    lstm_forward,
    windows,
)
from crypto_advisor.forecast.prediction import Prediction, breakout_text, interval_text, path_text, span_label
from crypto_advisor.forecast.verdicts import BEATS
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.market.indicators import IndicatorFrame, compute


@dataclass(frozen=True, slots=True)
class _Forecasts:
    """What the four models say at the last candle, before it is worded."""

    close: float
    probability: float
    #: Log-return paths by model.
    paths: dict[str, np.ndarray]
    #: (level, low, high) of the close H candles ahead.
    interval: tuple[float, float, float]


def predict(artifacts: Artifacts, candles: Sequence[Candle] | pd.DataFrame | IndicatorFrame) -> list[Prediction]:
    """Breakout, two price paths and the interval at the last candle; ``[]`` when the window is too short.

    ``candles`` are Candles, their OHLCV frame, or their indicator frame
    (:class:`~crypto_advisor.market.indicators.IndicatorFrame`), which is used
    as it is when it holds the standard indicators. Raises
    :class:`~crypto_advisor.forecast.artifacts.ArtifactError` when the
    artifacts were built for other features than this code computes.
    """
    frame = _standard_indicators(candles)
    features = features_from_indicators(frame, lags=artifacts.config.lags)
    if tuple(features.columns) != artifacts.feature_names:
        raise ArtifactError("the artifacts were fitted on other features than this code builds; retrain")
    x = features.to_numpy(dtype=np.float64)
    if not len(x) or not window_ready_mask(x, artifacts.config.lstm_window)[-1]:
        return []
    forecasts = _forecast(artifacts, x, frame["close"].to_numpy(dtype=np.float64), frame["ts"].to_numpy(dtype=np.int64))
    series = Series.parse(artifacts.series)
    common: dict[str, Any] = {
        "series": artifacts.series,
        "candle_ts": int(frame["ts"].iloc[-1]),
        "horizon": artifacts.config.horizon,
        "horizon_label": span_label(artifacts.config.horizon * series.timeframe_ms),
    }
    return [
        _breakout(artifacts, forecasts, series, common),
        *_paths(artifacts, forecasts, series, common),
        _interval(artifacts, forecasts, series, common),
    ]


def _standard_indicators(candles: Sequence[Candle] | pd.DataFrame | IndicatorFrame) -> pd.DataFrame:
    """The indicator frame with the standard parameters, which the features read; computed only when not given."""
    if isinstance(candles, IndicatorFrame):
        return candles.frame if candles.params == DEFAULT_PARAMS else compute(candles.frame)
    return compute(frame_of(candles))


def _forecast(artifacts: Artifacts, x: np.ndarray, close: np.ndarray, ts: np.ndarray) -> _Forecasts:
    config = artifacts.config
    last = len(x) - 1
    linear = linear_predict(artifacts.linear, x[[last]])[0]
    lstm = lstm_forward(artifacts.lstm, windows(x, np.array([last]), config.lstm_window))[0]
    log_returns = np.r_[np.nan, np.diff(np.log(close))]
    variance = garch_variance_path(artifacts.garch, garch_state(artifacts.garch, ts, log_returns), config.horizon)
    # The interval is the GARCH width around the linear path's end point, as the evaluation scored it.
    half_width = artifacts.garch.multiplier * float(np.sqrt(variance.sum()) / 100)
    center = float(linear.sum())
    return _Forecasts(
        close=float(close[last]),
        probability=float(forest_proba(artifacts.forest, x[[last]])[0]),
        paths={PATH_LINEAR: linear, PATH_LSTM: lstm},
        interval=(
            config.interval,
            float(close[last] * np.exp(center - half_width)),
            float(close[last] * np.exp(center + half_width)),
        ),
    )


def _breakout(artifacts: Artifacts, f: _Forecasts, series: Series, common: dict[str, Any]) -> Prediction:
    card = _card(artifacts, BREAKOUT_RF)
    return Prediction(
        kind="breakout",
        model=BREAKOUT_RF,
        threshold_pct=artifacts.config.threshold_pct,
        probability=f.probability,
        auc=card["scores"]["model"]["auc"],
        brier_skill=card["scores"]["model"]["brier_skill"],
        text=breakout_text(
            probability=f.probability,
            threshold_pct=artifacts.config.threshold_pct,
            base_rate=artifacts.forest.base_rate,
            horizon_label=common["horizon_label"],
            card=card,
            timeframe=series.timeframe,
        ),
        headline=card["verdict"] == BEATS,
        **_skill(card),
        **common,
    )


def _paths(artifacts: Artifacts, f: _Forecasts, series: Series, common: dict[str, Any]) -> list[Prediction]:
    best = _best_path(artifacts)
    # How often the band held out of sample (around the linear price, where the evaluation scored it).
    coverage = _card(artifacts, VOL_GARCH)["scores"]["model"].get("coverage")
    out: list[Prediction] = []
    for name, returns in f.paths.items():
        card = _card(artifacts, name)
        prices = f.close * np.exp(np.cumsum(returns))
        out.append(
            Prediction(
                kind="path",
                model=name,
                price=float(prices[-1]),
                path=[float(p) for p in prices],
                mae_skill=card["scores"]["model"]["mae_skill"],
                directional_accuracy=card["scores"]["model"]["directional_accuracy"],
                text=path_text(
                    price=float(prices[-1]),
                    horizon_label=common["horizon_label"],
                    card=card,
                    timeframe=series.timeframe,
                    interval=_band_around(f, float(prices[-1])),
                    coverage=coverage,
                    scored_around=PATH_LINEAR,
                ),
                headline=name == best,
                **_skill(card),
                **common,
            )
        )
    return out


def _band_around(f: _Forecasts, price: float) -> tuple[float, float, float]:
    """The GARCH band moved to a path model's ``price``: every price shown carries the spread around it.

    The interval is the GARCH width around the linear path's end point, so
    the same log width around another model's price is the interval scaled by
    that price over the linear one's (for the linear model, the interval itself).
    Its coverage was measured around the linear price; around the LSTM's it is
    the same volatility's band, not a separately scored interval.
    """
    level, low, high = f.interval
    scale = price / (f.close * float(np.exp(f.paths[PATH_LINEAR].sum())))
    return level, low * scale, high * scale


def _interval(artifacts: Artifacts, f: _Forecasts, series: Series, common: dict[str, Any]) -> Prediction:
    card = _card(artifacts, VOL_GARCH)
    level, low, high = f.interval
    return Prediction(
        kind="interval",
        model=VOL_GARCH,
        level=level,
        low=low,
        high=high,
        coverage=card["scores"]["model"]["coverage"],
        baseline_coverage=card["scores"]["historical"]["coverage"],
        text=interval_text(
            level=level,
            low=low,
            high=high,
            horizon_label=common["horizon_label"],
            card=card,
            timeframe=series.timeframe,
        ),
        headline=card["verdict"] == BEATS,
        **_skill(card),
        **common,
    )


def _card(artifacts: Artifacts, model: str) -> dict[str, Any]:
    card = artifacts.card(model)
    if card is None:
        raise ArtifactError(f"the artifacts carry no model card for {model}")
    return card


def _skill(card: dict[str, Any]) -> dict[str, Any]:
    return {"n": card["n"], "folds": card["folds"], "beats_baseline": card["verdict"] == BEATS}


def _best_path(artifacts: Artifacts) -> str | None:
    """The path model to headline: the one with the larger skill among those that beat their baselines, if any."""
    skilled = [
        (card["scores"]["model"]["mae_skill"] or 0.0, name)
        for name in (PATH_LINEAR, PATH_LSTM)
        if (card := _card(artifacts, name))["verdict"] == BEATS
    ]
    return max(skilled)[1] if skilled else None

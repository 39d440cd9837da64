"""Live predictions for one series from its artifacts: what AnalyzeFunction runs on each closed candle.

numpy and pandas only (through :mod:`.inference`): scikit-learn, torch and
arch stay in the training image; a test imports this module with them
blocked. The candles are the analysis window (the last 720), oldest first;
the prediction is made at the last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.forecast.artifacts import ArtifactError, Artifacts
from crypto_advisor.forecast.dataset import frame_of, window_ready_mask
from crypto_advisor.forecast.features import build_features
from crypto_advisor.forecast.inference import (
    forest_proba,
    garch_state,
    garch_variance_path,
    linear_predict,
    lstm_forward,
    windows,
)
from crypto_advisor.forecast.prediction import (
    Prediction,
    breakout_text,
    interval_text,
    path_text,
    span_label,
)

BREAKOUT_RF, PATH_LINEAR, PATH_LSTM, VOL_GARCH = "breakout_rf", "path_linear", "path_lstm", "vol_garch"


def predict(artifacts: Artifacts, candles: Sequence[Candle] | pd.DataFrame) -> list[Prediction]:
    """Breakout, two price paths and the interval at the last candle; ``[]`` when the window is too short.

    Raises :class:`~crypto_advisor.forecast.artifacts.ArtifactError` when the
    artifacts were built for other features than this code computes.
    """
    config = artifacts.config
    frame = frame_of(candles)
    features = build_features(frame, lags=config.lags)
    if tuple(features.columns) != artifacts.feature_names:
        raise ArtifactError("the artifacts were fitted on other features than this code builds; retrain")
    x = features.to_numpy(dtype=np.float64)
    if not len(x) or not window_ready_mask(x, config.lstm_window)[-1]:
        return []
    last = len(x) - 1
    close = frame["close"].to_numpy(dtype=np.float64)
    ts = frame["ts"].to_numpy(dtype=np.int64)
    series = Series.parse(artifacts.series)
    common: dict[str, Any] = {
        "series": artifacts.series,
        "candle_ts": int(ts[last]),
        "horizon": config.horizon,
        "horizon_label": span_label(config.horizon * series.timeframe_ms),
    }

    probability = float(forest_proba(artifacts.forest, x[[last]])[0])
    linear = linear_predict(artifacts.linear, x[[last]])[0]
    lstm = lstm_forward(artifacts.lstm, windows(x, np.array([last]), config.lstm_window))[0]
    log_returns = np.r_[np.nan, np.diff(np.log(close))]
    variance = garch_variance_path(artifacts.garch, garch_state(artifacts.garch, ts, log_returns), config.horizon)
    sigma = float(np.sqrt(variance.sum()) / 100)
    center = float(linear.sum())
    k = artifacts.garch.multiplier
    low, high = close[last] * np.exp(center - k * sigma), close[last] * np.exp(center + k * sigma)
    interval = (config.interval, float(low), float(high))

    out: list[Prediction] = []
    card = _card(artifacts, BREAKOUT_RF)
    out.append(
        Prediction(
            kind="breakout",
            model=BREAKOUT_RF,
            threshold_pct=config.threshold_pct,
            probability=probability,
            auc=card["scores"]["model"]["auc"],
            brier_skill=card["scores"]["model"]["brier_skill"],
            text=breakout_text(
                probability=probability,
                threshold_pct=config.threshold_pct,
                base_rate=artifacts.forest.base_rate,
                horizon_label=common["horizon_label"],
                card=card,
                timeframe=series.timeframe,
            ),
            headline=card["verdict"] == "beats baseline",
            **_skill(card),
            **common,
        )
    )
    paths = {PATH_LINEAR: linear, PATH_LSTM: lstm}
    best = _best_path(artifacts)
    for name, returns in paths.items():
        card = _card(artifacts, name)
        prices = close[last] * np.exp(np.cumsum(returns))
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
                    interval=interval if name == PATH_LINEAR else None,
                ),
                headline=name == best,
                **_skill(card),
                **common,
            )
        )
    card = _card(artifacts, VOL_GARCH)
    out.append(
        Prediction(
            kind="interval",
            model=VOL_GARCH,
            level=config.interval,
            low=interval[1],
            high=interval[2],
            coverage=card["scores"]["model"]["coverage"],
            baseline_coverage=card["scores"]["historical"]["coverage"],
            text=interval_text(
                level=config.interval,
                low=interval[1],
                high=interval[2],
                horizon_label=common["horizon_label"],
                card=card,
                timeframe=series.timeframe,
            ),
            headline=card["verdict"] == "beats baseline",
            **_skill(card),
            **common,
        )
    )
    return out


def _card(artifacts: Artifacts, model: str) -> dict[str, Any]:
    card = artifacts.card(model)
    if card is None:
        raise ArtifactError(f"the artifacts carry no model card for {model}")
    return card


def _skill(card: dict[str, Any]) -> dict[str, Any]:
    return {"n": card["n"], "folds": card["folds"], "beats_baseline": card["verdict"] == "beats baseline"}


def _best_path(artifacts: Artifacts) -> str | None:
    """The path model to headline: the one with the larger skill among those that beat their baselines, if any."""
    skilled = [
        (card["scores"]["model"]["mae_skill"] or 0.0, name)
        for name in (PATH_LINEAR, PATH_LSTM)
        if (card := _card(artifacts, name))["verdict"] == "beats baseline"
    ]
    return max(skilled)[1] if skilled else None

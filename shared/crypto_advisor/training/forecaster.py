"""The training run's forecaster: the forecast package's own fit and walk-forward evaluation.

scikit-learn, PyTorch and arch are imported on first use, not at import, so
the composition root (and AnalyzeFunction's layer, which has none of them) can
import this module cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig


class LibraryForecaster:
    """The forecast package's own training and walk-forward evaluation."""

    def train(
        self, candles: Sequence[Candle], config: ForecastConfig, *, series: str
    ) -> tuple[list[ModelCard], Artifacts]:
        from crypto_advisor.forecast.train import train_series

        return train_series(candles, config, series=series)

    def evaluate(self, candles: Sequence[Candle], config: ForecastConfig, *, series: str) -> list[ModelCard]:
        from crypto_advisor.forecast.evaluate import evaluate_series

        return evaluate_series(candles, config, series=series)

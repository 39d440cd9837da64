"""Builds the training dependencies from settings: the composition root of TrainFunction (and of ``make train``).

The real :class:`~crypto_advisor.training.run.Forecaster` imports scikit-learn,
PyTorch and arch only when it is first used, so importing this module stays
cheap (and possible where only the inference side is installed).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import boto3

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.adapters.model_store import ModelStore
from crypto_advisor.adapters.replay_stats import ReplayStats
from crypto_advisor.analysis.rules import Rule, build_rules
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.settings import TrainSettings
from crypto_advisor.training.run import Ports


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


@dataclass(frozen=True)
class TrainingDeps:
    watchlist: Watchlist
    rules: list[Rule]
    ports: Ports


@functools.lru_cache(maxsize=4)
def training_deps(settings: TrainSettings) -> TrainingDeps:
    """One set per container and settings: boto3 clients keep their connections between (rare) warm runs."""
    s3 = boto3.session.Session().client("s3")
    watchlist = load_watchlist(settings.watchlist_uri, s3_client=s3)
    return TrainingDeps(
        watchlist=watchlist,
        rules=build_rules(watchlist.rules),
        ports=Ports(
            archive=CandleArchive(s3, settings.archive_bucket),
            replay_stats=ReplayStats(s3, settings.archive_bucket),
            models=ModelStore(s3, settings.archive_bucket),
            forecaster=LibraryForecaster(),
        ),
    )

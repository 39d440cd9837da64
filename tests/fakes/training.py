"""Fakes of the training ports (``crypto_advisor.training.ports``): archive, replay figures, model store, forecaster.

The forecaster's losses depend on the configuration, so the gate on the
latest pointer is tested without fitting anything; the real models run end to
end in tests/integration/test_train_function.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast, final

from crypto_advisor.adapters.model_store import VERSION_RETENTION_DAYS
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import CorruptObjectError, StorageError
from crypto_advisor.contracts.model_version import ModelVersion
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import BREAKOUT_RF, PATH_LINEAR, Kind, ModelCard, card_losses
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.ports import ArchivePort, Forecaster, ModelStorePort, ReplayFiguresPort, ScanReportsPort

#: The series the fake forecaster's cards name (the gate compares losses, never the series).
CARD_SERIES = "kraken:BTC-USD:1h"
_LOSS_NAMES: dict[Kind, str] = {"breakout": "brier", "path": "mae", "interval": "interval_score"}


def card(model: str, kind: Kind, loss: float) -> ModelCard:
    """A card whose model loses ``loss`` on its kind's metric, one better than its baseline."""
    key = _LOSS_NAMES[kind]
    return ModelCard(
        series=CARD_SERIES,
        model=model,
        kind=kind,
        horizon=24,
        threshold_pct=None,
        interval=None,
        folds=4,
        n=100,
        baseline="x",
        significant_over=["x"],
        scores={"model": {key: loss}, "x": {key: loss + 1}},
        advantage_t={"x": 1.0},
        verdict="no skill",
    )


@final
@dataclass
class FakeForecaster(Forecaster):
    """Losses from the configuration: fewer trees make a worse breakout model; too few candles raise, as the real."""

    min_candles: int = 300
    evaluated: list[ForecastConfig] = field(default_factory=list)

    def cards(self, candles: Sequence[Candle], config: ForecastConfig) -> list[ModelCard]:
        if len(candles) < self.min_candles:
            raise ValueError(f"{len(candles)} usable rows leave too few to test")
        return [card(BREAKOUT_RF, "breakout", 0.2 + 1.0 / config.rf_trees), card(PATH_LINEAR, "path", 5.0)]

    def train(
        self, candles: Sequence[Candle], config: ForecastConfig, *, series: str
    ) -> tuple[list[ModelCard], Artifacts]:
        """The cards, and a stand-in for the artifacts (the fake model store never opens them)."""
        return self.cards(candles, config), cast(Artifacts, object())

    def evaluate(self, candles: Sequence[Candle], config: ForecastConfig, *, series: str) -> list[ModelCard]:
        self.evaluated.append(config)
        return self.cards(candles, config)


@final
@dataclass
class FakeArchive(ArchivePort):
    """The candle archive per series; a series in ``broken`` cannot be read."""

    by_series: dict[str, list[Candle]]
    broken: set[str] = field(default_factory=set)

    def read(self, series: Series) -> list[Candle]:
        if series.key in self.broken:
            raise StorageError(f"reading the archive of {series.key}: AccessDenied")
        return self.by_series.get(series.key, [])


@final
@dataclass
class FakeReplayStats(ReplayFiguresPort):
    written: dict[str, dict[str, Any]] = field(default_factory=dict)

    def write(self, series: Series, report: dict[str, Any]) -> str:
        self.written[series.key] = report
        return f"stats/{series.key}"


@final
@dataclass
class FakeModels(ModelStorePort):
    """The model store in memory: every version written, and the latest pointer per series."""

    versions: dict[str, list[ModelVersion]] = field(default_factory=dict)
    pointers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: series keys whose stored pointer is not a pointer (truncated, edited) until a new one is moved in
    corrupt: set[str] = field(default_factory=set)
    #: series keys whose pointer S3 fails to return (AccessDenied, a 5xx)
    unreadable: set[str] = field(default_factory=set)

    def write_version(
        self,
        series: Series,
        trained_at_ms: int,
        artifacts: Artifacts,
        cards: Sequence[ModelCard],
        config: ForecastConfig,
    ) -> ModelVersion:
        version = ModelVersion(
            series=series.key,
            version=str(trained_at_ms),
            trained_at=trained_at_ms,
            bundle_key=f"{series.key}/{trained_at_ms}/bundle",
            cards_key=f"{series.key}/{trained_at_ms}/cards",
            cards_text_key=f"{series.key}/{trained_at_ms}/txt",
            config=config.as_dict(),
            losses=card_losses(cards),
        )
        self.versions.setdefault(series.key, []).append(version)
        return version

    def latest_pointer(self, series: Series) -> dict[str, Any] | None:
        if series.key in self.unreadable:
            raise StorageError(f"reading models/{series.key}/latest.json: AccessDenied")
        if series.key in self.corrupt:
            raise CorruptObjectError(f"models/{series.key}/latest.json is not JSON: Unterminated string")
        return self.pointers.get(series.key)

    def move_latest(self, series: Series, version: ModelVersion) -> None:
        self.pointers[series.key] = version.pointer()
        self.corrupt.discard(series.key)

    def prune_versions(self, series: Series, *, keep: str, now_ms: int) -> list[str]:
        """As the S3 store: versions past the retention go, except ``keep`` and the served one."""
        served = self.pointers.get(series.key, {}).get("version")
        cutoff = now_ms - VERSION_RETENTION_DAYS * DAY_MS
        stored = self.versions.get(series.key, [])
        old = [v for v in stored if v.version not in (keep, served) and v.trained_at < cutoff]
        self.versions[series.key] = [v for v in stored if v not in old]
        return [v.version for v in old]


class CandleArchive(ArchivePort):
    """The archive the market scan's training reads: series key -> candles. Tests subclass it to count or refuse
    reads, so it is not final; :func:`_instantiable` keeps mypy checking that it implements its port whole."""

    def __init__(self, candles: dict[str, list[Candle]]) -> None:
        self.candles = candles

    def read(self, series: Series) -> list[Candle]:
        return self.candles.get(series.key, [])


class FakeScanReports(ScanReportsPort):
    """The scan's reports (``reports/scan/...``): the hour's snapshot, and the breakouts written by ``vs``.

    Its coins never left the scan (``archived_coins`` is the snapshot's); tests of a changing universe subclass it.
    """

    def __init__(self, snapshot: dict[str, Any] | None) -> None:
        self._snapshot = snapshot
        self.written: dict[str, dict[str, Any]] = {}

    def snapshot(self, vs: str) -> dict[str, Any] | None:
        return self._snapshot

    def archived_coins(self, vs: str) -> list[Series]:
        return [Series.parse(str(c["series"])) for c in (self._snapshot or {}).get("coins", [])]

    def archived_since(self, series: Series, since_ms: int) -> bool:
        return True

    def put_breakouts(self, vs: str, report: dict[str, Any]) -> str:
        self.written[vs] = report
        return f"reports/scan/vs={vs}/breakouts.json"


def _instantiable() -> tuple[ArchivePort, ScanReportsPort]:
    """Never called: mypy fails here if a fake above that tests subclass (so not ``@final``) misses a port member."""
    return CandleArchive({}), FakeScanReports(None)

"""What the training run needs from the outside world; adapters (and the unit tests' fakes) provide it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.model_version import ModelVersion
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.training_task import TrainingTask
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.card import ModelCard
from crypto_advisor.forecast.config import ForecastConfig


class ArchivePort(Protocol):
    def read(self, series: Series) -> list[Candle]: ...


class ReplayFiguresPort(Protocol):
    def write(self, series: Series, report: dict[str, Any]) -> str: ...


class ModelStorePort(Protocol):
    def write_version(
        self,
        series: Series,
        trained_at_ms: int,
        artifacts: Artifacts,
        cards: Sequence[ModelCard],
        config: ForecastConfig,
    ) -> ModelVersion: ...
    def latest_pointer(self, series: Series) -> dict[str, Any] | None:
        """The served pointer, None before the first; CorruptObjectError when its bytes are not a pointer (the run
        replaces it), StorageError when it could not be read (the run fails the series and tries tomorrow)."""
        ...

    def move_latest(self, series: Series, version: ModelVersion) -> None: ...
    def prune_versions(self, series: Series, *, keep: str, now_ms: int) -> list[str]:
        """Delete the series' versions past the store's retention, except ``keep`` and the served one; the versions
        deleted. StorageError when something could not be deleted (the run logs it and goes on)."""
        ...


class Forecaster(Protocol):
    """Training and walk-forward scoring (``forecast.train.train_series``, ``forecast.evaluate.evaluate_series``)."""

    def train(
        self, candles: Sequence[Candle], config: ForecastConfig, *, series: str
    ) -> tuple[list[ModelCard], Artifacts]: ...
    def evaluate(self, candles: Sequence[Candle], config: ForecastConfig, *, series: str) -> list[ModelCard]: ...


@dataclass(frozen=True)
class Ports:
    archive: ArchivePort
    replay_figures: ReplayFiguresPort
    models: ModelStorePort
    forecaster: Forecaster


class TaskQueue(Protocol):
    """Where the planner puts the run's training tasks (SQS: one invocation of TrainFunction per task)."""

    def send(self, tasks: Sequence[TrainingTask]) -> None: ...


class RunReports(Protocol):
    """A fanned-out run's plan and reports, kept together under the run's time."""

    def put_plan(self, run_ms: int, plan: dict[str, Any]) -> None: ...
    def plan(self, run_ms: int) -> dict[str, Any] | None: ...
    def put_part(self, run_ms: int, chunk: int, part: dict[str, Any]) -> None: ...
    def part_count(self, run_ms: int) -> int: ...
    def parts(self, run_ms: int) -> list[dict[str, Any]]: ...
    def put_report(self, run_ms: int, report: dict[str, Any]) -> str: ...


class ScanReportsPort(Protocol):
    """The market scan's snapshot and the coins it has archived (read), and its breakout model's report (written).

    The coins archived are the scan's membership record: a coin's series is archived only while the scan holds it
    (:mod:`crypto_advisor.contracts.market_scan`), so the coins that left the scan are found there, not in the
    newest snapshot.
    """

    def snapshot(self, vs: str) -> dict[str, Any] | None: ...
    def archived_coins(self, vs: str) -> list[Series]: ...
    def archived_since(self, series: Series, since_ms: int) -> bool: ...
    def put_breakouts(self, vs: str, report: dict[str, Any]) -> str: ...

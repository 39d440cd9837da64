"""Builds the training dependencies from settings: the composition root of TrainFunction (and of ``make train``).

The real forecaster (:class:`~crypto_advisor.training.forecaster.LibraryForecaster`)
imports scikit-learn, PyTorch and arch only when it is first used, so importing
this module stays cheap (and possible where only the inference side is installed).
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.adapters.replay_figures import ReplayFiguresStore
from crypto_advisor.adapters.scan_reports import ScanReports
from crypto_advisor.adapters.training_history import TrainingHistory
from crypto_advisor.adapters.training_runs import TrainingQueue, TrainingRunReports
from crypto_advisor.analysis.rules import Rule, build_rules
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.telemetry.training import record_history_read
from crypto_advisor.training.forecaster import LibraryForecaster
from crypto_advisor.training.ports import Ports
from crypto_advisor.wiring.models import model_store
from crypto_advisor.wiring.settings import TrainSettings
from crypto_advisor.wiring.watchlist_version import rebuilt_on_watchlist_edit


@dataclass(frozen=True)
class TrainingDeps:
    watchlist: Watchlist
    rules: list[Rule]
    ports: Ports
    #: the run's plan and reports, when it fans out
    reports: TrainingRunReports
    #: None when the stack has no training queue: every run is inline
    queue: TrainingQueue | None
    #: the market scans' snapshots and breakout reports
    scan_reports: ScanReports


@rebuilt_on_watchlist_edit
def training_deps(settings: TrainSettings) -> TrainingDeps:
    """One set per container, settings and watchlist version: boto3 clients keep their connections between (rare)
    warm runs, and a series added on the Settings page is trained in the next run."""
    session = boto3.session.Session()
    s3 = session.client("s3")
    watchlist = load_watchlist(settings.watchlist_uri, s3_client=s3)
    return TrainingDeps(
        watchlist=watchlist,
        rules=build_rules(watchlist.rules),
        ports=Ports(
            archive=TrainingHistory(s3, settings.archive_bucket, on_full_read=record_history_read),
            replay_figures=ReplayFiguresStore(s3, settings.archive_bucket),
            models=model_store(s3, settings.archive_bucket),
            forecaster=LibraryForecaster(),
        ),
        reports=TrainingRunReports(s3, settings.archive_bucket),
        queue=TrainingQueue(session.client("sqs"), settings.train_queue_url) if settings.train_queue_url else None,
        scan_reports=ScanReports(s3, settings.archive_bucket),
    )

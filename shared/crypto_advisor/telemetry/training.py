"""Turns a training report into structured log lines, and ``TrainSeriesFailed`` for its alarm."""

from __future__ import annotations

from crypto_advisor.contracts.series import Series
from crypto_advisor.telemetry.catalog import TRAIN_SERIES_FAILED
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics
from crypto_advisor.training.fan_out import TaskOutcome
from crypto_advisor.training.service import TrainingReport


def record(report: TrainingReport) -> None:
    for item in report.series:
        if item.dropped:
            logger.warning(
                "gap-free runs too short for the features left out",
                series=item.series,
                dropped=item.dropped,
                used=item.used,
                segments=item.segments,
                first_ts=item.first_ts,
            )
        if item.prune_error is not None:
            logger.warning("old model versions not deleted", series=item.series, reason=item.prune_error)
        elif item.pruned:
            logger.info("old model versions deleted", series=item.series, versions=len(item.pruned))
        if item.status == "failed":
            logger.error("series training failed", series=item.series, error=item.error, kind=item.error_kind)
        elif item.status == "deferred":
            logger.info("series deferred to the training queue", series=item.series, reason=item.error)
        elif item.status != "trained":
            logger.warning("series not trained", series=item.series, status=item.status, reason=item.error)
        else:
            logger.info(
                "series trained",
                series=item.series,
                used=item.used,
                version=item.version,
                verdicts=item.verdicts,
                pointer=item.pointer,
                reason=item.pointer_reason,
                replay_key=item.replay_key,
            )
    logger.info(
        "training run",
        trained=sum(1 for r in report.series if r.status == "trained"),
        promoted=sum(1 for r in report.series if r.pointer == "moved"),
        kept=sum(1 for r in report.series if r.pointer == "kept"),
        failed=len(report.failed),
        deferred=len(report.deferred),
    )
    if report.failed:
        # Its own name: ingest's SeriesFailed alarm wants three failing runs in a row, which a daily run never makes.
        metrics.add_metric(name=TRAIN_SERIES_FAILED.name, unit=MetricUnit.Count, value=len(report.failed))


def record_history_read(series: Series, reason: str, unexpected: bool) -> None:
    """Why the refit read a series' whole archive, or could not store its history (``adapters.training_history``)."""
    (logger.warning if unexpected else logger.info)("training history", series=series.key, reason=reason)


def record_handoff(run_ms: int, deferred: list[str], planned: dict | None) -> None:
    """The series an inline run's time did not cover, handed to the training queue (normal as archives grow: no
    alarm; the run's report of them is written by its last task), or not handed on again because the run already
    has a plan (its scheduled event delivered twice)."""
    if planned is not None:
        logger.info("series handed to the training queue", **planned)
    else:
        logger.warning("series not handed on: the run already has a plan", run_ms=run_ms, deferred=deferred)


def record_task(outcome: TaskOutcome) -> None:
    """One line per training task of a fanned-out run (its series have their own lines from :func:`record`)."""
    logger.info(
        "training task",
        run_ms=outcome.task.run_ms,
        chunk=outcome.task.chunk,
        chunks=outcome.task.chunks,
        no_longer_watched=outcome.no_longer_watched,
        report_key=outcome.report_key,
    )


def record_task_failure(message_id: str, error: Exception) -> None:
    """A queue message that is not a task, or a part that could not be written: retried, then dead-lettered."""
    logger.error("training task failed", message_id=message_id, error=str(error), kind=type(error).__name__)


def record_scans(outcomes: list[dict]) -> None:
    """The market scans' breakout model: one line per scan (trained with its verdict, skipped or failed, and why).

    A failed scan counts in ``TrainSeriesFailed`` as a failed series does: its alarm is how the owner hears of it
    (the scan's ranking in the digest keeps its last model, which grows older)."""
    failed = 0
    for outcome in outcomes:
        if outcome["status"] == "failed":
            failed += 1
            logger.error("scan breakout model failed", **outcome)
        else:
            logger.info("scan breakout model", **outcome)
    if failed:
        metrics.add_metric(name=TRAIN_SERIES_FAILED.name, unit=MetricUnit.Count, value=failed)

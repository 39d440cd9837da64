"""Turns a training report into structured log lines and one metric per business event."""

from __future__ import annotations

from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics
from crypto_advisor.training.service import TrainingReport


def record(report: TrainingReport) -> None:
    for item in report.series:
        if item.dropped:
            logger.warning(
                "candles before the last gap left out",
                series=item.series,
                dropped=item.dropped,
                used=item.used,
                first_ts=item.first_ts,
            )
        if item.status == "failed":
            logger.error("series training failed", series=item.series, error=item.error, kind=item.error_kind)
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
    metrics.add_metric(name="TrainRuns", unit=MetricUnit.Count, value=1)
    metrics.add_metric(
        name="ModelsTrained", unit=MetricUnit.Count, value=sum(1 for r in report.series if r.status == "trained")
    )
    metrics.add_metric(
        name="ModelsPromoted", unit=MetricUnit.Count, value=sum(1 for r in report.series if r.pointer == "moved")
    )
    metrics.add_metric(
        name="ModelsKept", unit=MetricUnit.Count, value=sum(1 for r in report.series if r.pointer == "kept")
    )
    metrics.add_metric(name="SeriesFailed", unit=MetricUnit.Count, value=len(report.failed))

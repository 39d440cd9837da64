"""Turns a run report into structured log lines and one metric per business event."""

from __future__ import annotations

from crypto_advisor.ingest.service import RunReport
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record(report: RunReport) -> None:
    for item in report.series:
        for rejection in item.rejected:
            logger.warning("candle rejected", series=item.series, ts=rejection.ts, reason=rejection.reason)
        for first, last in item.gaps:
            logger.warning("gap the source cannot fill", series=item.series, from_ts=first, to_ts=last)
        if item.lagging:
            logger.warning(
                "source has no candle yet for closed periods",
                series=item.series,
                from_ts=item.lagging[0],
                to_ts=item.lagging[1],
            )
        if item.status == "failed":
            logger.error("series failed", series=item.series, error=item.error, kind=item.error_kind)
        else:
            logger.info(
                "series ingested",
                series=item.series,
                status=item.status,
                stored=item.stored,
                first_ts=item.first_ts,
                last_ts=item.last_ts,
            )
    metrics.add_metric(name="IngestRuns", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="CandlesStored", unit=MetricUnit.Count, value=report.stored)
    metrics.add_metric(name="CandlesRejected", unit=MetricUnit.Count, value=report.rejected)
    metrics.add_metric(name="SeriesFailed", unit=MetricUnit.Count, value=len(report.failed))
    metrics.add_metric(name="SeriesGaps", unit=MetricUnit.Count, value=sum(1 for r in report.series if r.gaps))

"""Turns a run report into structured log lines and the metrics its alarms and the dashboard read."""

from __future__ import annotations

from collections.abc import Sequence

from crypto_advisor.contracts.series import Series
from crypto_advisor.ingest.fan_out import ChunkOutcome
from crypto_advisor.ingest.planner import IngestPlan
from crypto_advisor.ingest.queueing import QueueFailure
from crypto_advisor.ingest.service import RunReport
from crypto_advisor.telemetry.catalog import CANDLES_STORED, INGEST_RUNS, SERIES_FAILED, STALEST_SERIES_SECONDS
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
                lag_seconds=lag_seconds(item.series, item.lagging, report.now_ms),
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
    metrics.add_metric(name=INGEST_RUNS.name, unit=MetricUnit.Count, value=1)
    if report.stored:
        metrics.add_metric(name=CANDLES_STORED.name, unit=MetricUnit.Count, value=report.stored)
    if report.failed:
        metrics.add_metric(name=SERIES_FAILED.name, unit=MetricUnit.Count, value=len(report.failed))
    lags = [lag_seconds(item.series, item.lagging, report.now_ms) for item in report.series if item.lagging]
    if lags:
        # A series whose source answers but never has the new candle goes stale without any error.
        metrics.add_metric(name=STALEST_SERIES_SECONDS.name, unit=MetricUnit.Seconds, value=max(lags))


def lag_seconds(series: str, lagging: tuple[int, int], now_ms: int) -> int:
    """Seconds since the first candle the source still lacks closed (the series is that far behind)."""
    closed_at = lagging[0] + Series.parse(series).timeframe_ms
    return max(0, (now_ms - closed_at) // 1000)


def record_plan(plan: IngestPlan, queue_failures: Sequence[QueueFailure] = ()) -> None:
    """One line per tick that consulted its plan beyond the inline run: what each source got, and why.

    A source whose queue could not be read is planned busy too, but its line is the failure's, not "still has
    chunks queued" (which nobody knows)."""
    unread = {f.source for f in queue_failures if f.step == "read"}
    for failure in queue_failures:
        record_queue_failure(failure)
    for source in plan.sources:
        if source.mode == "busy" and source.source not in unread:
            logger.warning(
                "source still has chunks queued: its due series are left to them",
                source=source.source,
                due=len(source.due),
            )
    for warning in plan.warnings:
        logger.warning("more due series than the tick's target allows", warning=warning)
    if plan.fanned_out:
        logger.info("ingest fanned out", **plan.as_dict())


def record_queue_failure(failure: QueueFailure) -> None:
    """A source's ingest queue that failed this tick (the run fails after its inline work, naming it)."""
    logger.error(
        "ingest queue failed",
        source=failure.source,
        step=failure.step,
        error=str(failure.error),
        kind=type(failure.error).__name__,
    )


def record_chunk(outcome: ChunkOutcome) -> None:
    """One line per chunk a worker ran (its series have their own lines from :func:`record`)."""
    chunk = outcome.chunk
    logger.info(
        "ingest chunk",
        source=chunk.source,
        tick_ms=chunk.tick_ms,
        chunk=chunk.chunk,
        chunks=chunk.chunks,
        series=len(chunk.series),
        stored=outcome.report.stored,
        failed=[r.series for r in outcome.report.failed],
        no_longer_watched=outcome.no_longer_watched,
    )


def record_chunk_failure(message_id: str, series: list[str], error: Exception) -> None:
    """A chunk that could not be run: retried by its queue, then parked in the dead-letter queue. Names its series."""
    logger.error(
        "ingest chunk failed", message_id=message_id, series=series, error=str(error), kind=type(error).__name__
    )

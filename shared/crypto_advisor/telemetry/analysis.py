"""Log lines and metrics for each analysed update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crypto_advisor.analysis.service import Outcome
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.telemetry.catalog import (
    MODEL_AGE_SECONDS,
    MODEL_REFRESH_FAILED,
    PREDICTIONS_FAILED,
    SIGNALS_STORED,
)
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record_unreadable_article(coin: str, sort_key: str, error: str) -> None:
    """A News item the analysis skipped because it no longer reads as an article."""
    logger.warning("unreadable news item skipped", coin=coin, sk=sort_key, error=error)


def record_news_fallback(coin: str, why: str) -> None:
    """A coin's news read by its articles' Query, not its summary (a read more for this update), and why."""
    logger.info("news read from the coin's articles, not its summary", coin=coin, why=why)


def record_stale_model(series: Series, error: StorageError) -> None:
    """The served model could not be refreshed; the cached version keeps predicting meanwhile."""
    logger.warning("model refresh failed: serving the cached version", series=series.key, error=str(error))
    metrics.add_metric(name=MODEL_REFRESH_FAILED.name, unit=MetricUnit.Count, value=1)


def record_served_model(series: Series, trained_at_ms: int, now_ms: int) -> None:
    """The served model's age at the update's clock: a model that stops being refreshed is noticed here."""
    age = max(0, (now_ms - trained_at_ms) // 1000)
    metrics.add_metric(name=MODEL_AGE_SECONDS.name, unit=MetricUnit.Seconds, value=age)


def record_failure(record: Any, error: BaseException | None) -> None:
    """A Kinesis record that failed (not a CandleUpdate, its candle not stored yet, storage down, a bug).

    The stream retries it (bisecting), then parks it in AnalyzeFailureQueue:
    this line says which series and candle, and why, while the queue keeps
    only the stream position.
    """
    logger.error(
        "update failed; the stream will retry the record",
        **_where(record),
        error_type=type(error).__name__ if error is not None else None,
        error=str(error)[:2000] if error is not None else None,
    )


def _where(record: Any) -> dict[str, Any]:
    """The update's series and newest candle when it parsed; else its stream position and partition key (the symbol).

    A record that parsed is the batch processor's model (``kinesis.data`` is the
    CandleUpdate); one that did not is the record as Lambda delivered it (a
    dict), or Powertools' own record class, whose fields are snake_case.
    """
    if isinstance(record, Mapping):
        raw = record.get("kinesis")
        raw = raw if isinstance(raw, Mapping) else {}
        return {
            "sequence_number": raw.get("sequenceNumber"),
            "partition_key": raw.get("partitionKey"),
            "event_id": record.get("eventID"),
        }
    kinesis = getattr(record, "kinesis", None)
    update = getattr(kinesis, "data", None)
    if isinstance(update, CandleUpdate):
        return {"series": update.series, "candle_ts": update.last_ts}
    return {
        "sequence_number": getattr(kinesis, "sequence_number", None) or getattr(kinesis, "sequenceNumber", None),
        "partition_key": getattr(kinesis, "partition_key", None) or getattr(kinesis, "partitionKey", None),
        "event_id": getattr(record, "event_id", None) or getattr(record, "eventID", None),
    }


def record(outcome: Outcome) -> None:
    signal = outcome.signal
    if outcome.news_error is not None:
        logger.warning(
            "news unavailable: analysed without news",
            series=signal.series,
            candle_ts=signal.candle_ts,
            error=outcome.news_error,
        )
    if outcome.predictions_error is not None:
        logger.warning(
            "model predictions failed: signal stored without them",
            series=signal.series,
            candle_ts=signal.candle_ts,
            model_version=outcome.model_version,
            error=outcome.predictions_error,
        )
        metrics.add_metric(name=PREDICTIONS_FAILED.name, unit=MetricUnit.Count, value=1)
    if outcome.reference_error is not None:
        logger.warning(
            "BTC's window unreadable: analysed without the move against BTC",
            series=signal.series,
            candle_ts=signal.candle_ts,
            error=outcome.reference_error,
        )
    elif signal.market is not None and signal.market.beta_note is not None:
        logger.info(
            "no beta against BTC", series=signal.series, candle_ts=signal.candle_ts, why=signal.market.beta_note
        )
    if not outcome.stored:
        logger.info("signal already stored (redelivery)", series=signal.series, candle_ts=signal.candle_ts)
        return
    metrics.add_metric(name=SIGNALS_STORED.name, unit=MetricUnit.Count, value=1)
    if not signal.health.healthy:
        logger.warning(
            "unhealthy window", series=signal.series, candle_ts=signal.candle_ts, reasons=signal.health.reasons
        )
    for firing in signal.firings:
        logger.info(
            "rule fired",
            series=signal.series,
            candle_ts=signal.candle_ts,
            rule=firing.rule_id,
            direction=firing.direction,
            suppressed=firing.suppressed,
            sentence=firing.sentence,
        )

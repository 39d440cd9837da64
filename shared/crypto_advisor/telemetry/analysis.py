"""Log lines and metrics for each analysed update."""

from __future__ import annotations

from crypto_advisor.analysis.service import Outcome
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record_unreadable_article(coin: str, sort_key: str, error: str) -> None:
    """A News item the analysis skipped because it no longer reads as an article."""
    logger.warning("unreadable news item skipped", coin=coin, sk=sort_key, error=error)


def record_stale_model(series: Series, error: StorageError) -> None:
    """The served model could not be refreshed; the cached version keeps predicting meanwhile."""
    logger.warning("model refresh failed: serving the cached version", series=series.key, error=str(error))
    metrics.add_metric(name="ModelRefreshFailed", unit=MetricUnit.Count, value=1)


def record(outcome: Outcome) -> None:
    signal = outcome.signal
    if outcome.news_error is not None:
        logger.warning(
            "news unavailable: analysed without news",
            series=signal.series,
            candle_ts=signal.candle_ts,
            error=outcome.news_error,
        )
        metrics.add_metric(name="NewsReadFailures", unit=MetricUnit.Count, value=1)
    if outcome.predictions_error is not None:
        logger.warning(
            "model predictions failed: signal stored without them",
            series=signal.series,
            candle_ts=signal.candle_ts,
            model_version=outcome.model_version,
            error=outcome.predictions_error,
        )
        metrics.add_metric(name="PredictionsFailed", unit=MetricUnit.Count, value=1)
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
        metrics.add_metric(name="SignalDuplicates", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="SignalsStored", unit=MetricUnit.Count, value=1)
    if signal.predictions:
        metrics.add_metric(name="Predictions", unit=MetricUnit.Count, value=len(signal.predictions))
    metrics.add_metric(name="Firings", unit=MetricUnit.Count, value=len(signal.active_firings))
    suppressed = len(signal.firings) - len(signal.active_firings)
    metrics.add_metric(name="FiringsSuppressed", unit=MetricUnit.Count, value=suppressed)
    if not signal.health.healthy:
        metrics.add_metric(name="UnhealthySignals", unit=MetricUnit.Count, value=1)
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

"""Log lines for each notification decision, and the metrics its alarms and the dashboard read.

Metrics (:mod:`crypto_advisor.telemetry.catalog`): ``EmailsSent``,
``MarketEmailsSent`` (one market email for a candle that moved many watched
coins the same way), ``AlertsFailed`` (the record failed and the stream
retries it) and ``LedgerFailures``. Suppressions are log lines with their
reason, not a metric: the dashboard counts them by reason from the log, where
a metric per reason would be a custom metric billed on its own. A signal
without firings is recorded in the Notifications table like any decision, and
the dashboard leaves its log line (``no_firings``) out: that is most candles,
and counting them would bury the suppressions a user wants to see (bad data,
cooldown, severity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crypto_advisor.notify.outcomes import LEDGER_NOTE, AlreadyDecided, DeliveryUnknown, Outcome, Sent, Suppressed
from crypto_advisor.telemetry.catalog import ALERTS_FAILED, EMAILS_SENT, LEDGER_FAILURES, MARKET_EMAILS_SENT
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record(outcome: Outcome) -> None:
    signal = outcome.signal
    where: dict[str, Any] = {"series": signal.series, "candle_ts": signal.candle_ts}
    if isinstance(outcome, Sent):
        metrics.add_metric(name=EMAILS_SENT.name, unit=MetricUnit.Count, value=1)
        logger.info(
            "alert sent",
            **where,
            rules=list(outcome.send.rules),
            left_out_in_cooldown=list(outcome.send.cooled_rules),
            recipients=len(outcome.send.recipients),
            message_id=outcome.message_id,
            subject=outcome.subject,
        )
        if outcome.took_over:
            logger.warning(
                "took over a stale claim: if the earlier invocation died after SES accepted, this email went twice",
                **where,
            )
        for note in outcome.notes:
            logger.warning(note, **where)
        if any(note.startswith(LEDGER_NOTE) for note in outcome.notes):
            metrics.add_metric(name=LEDGER_FAILURES.name, unit=MetricUnit.Count, value=1)
        return
    if isinstance(outcome, DeliveryUnknown):
        # No metric of its own (each is billed): the warning names what was lost; the digest lists the alert.
        logger.warning(
            "SES's answer was lost: the alert may or may not have arrived; kept as unknown, never sent again",
            **where,
            rules=list(outcome.send.rules),
            subject=outcome.subject,
            error=outcome.error[:2000],
        )
        for note in outcome.notes:
            logger.warning(note, **where)
        return
    if isinstance(outcome, Suppressed) and outcome.market is not None and outcome.market.unknown is not None:
        logger.warning(
            "SES's answer was lost: the market email may or may not have arrived; kept as unknown, never sent again",
            **where,
            timeframe=outcome.market.timeframe,
            subject=outcome.market.subject,
            error=outcome.market.unknown[:2000],
        )
    elif isinstance(outcome, Suppressed) and outcome.market is not None:
        market = outcome.market
        metrics.add_metric(name=MARKET_EMAILS_SENT.name, unit=MetricUnit.Count, value=1)
        logger.info(
            "market email sent",
            **where,
            timeframe=market.timeframe,
            covers=list(market.covers),
            message_id=market.message_id,
            subject=market.subject,
        )
        if market.took_over:
            logger.warning(
                "took over a stale market email claim: if the earlier invocation died after SES accepted, "
                "this email went twice",
                **where,
            )
        for note in market.notes:  # a recipient SES refused, the archive unwritable: sent all the same
            logger.warning(note, **where, timeframe=market.timeframe)
    if isinstance(outcome, AlreadyDecided) or not outcome.recorded:
        status = outcome.existing.status if isinstance(outcome, AlreadyDecided) else "decided"
        logger.info("alert already decided (redelivery): nothing sent", **where, status=status)
        return
    suppress = outcome.suppress
    logger.info("alert suppressed", **where, reason=suppress.reason, detail=suppress.detail, rules=list(suppress.rules))


def record_failure(record: Any, error: BaseException | None) -> None:
    """A stream record that failed (unparseable, SES refused, storage down): it is retried, then parked."""
    metrics.add_metric(name=ALERTS_FAILED.name, unit=MetricUnit.Count, value=1)
    logger.error(
        "alert failed; the stream will retry the record",
        **_where(record),
        error_type=type(error).__name__ if error is not None else None,
        error=str(error)[:2000] if error is not None else None,
        notes=list(getattr(error, "__notes__", [])),
        retryable=getattr(error, "retryable", None),
    )


def _where(record: Any) -> dict[str, Any]:
    """Whatever identifies the record: the signal's key when it parsed, else the stream position.

    A record that did not parse is the record as Lambda delivered it (a dict), or Powertools' record class.
    """
    if isinstance(record, Mapping):
        raw = record.get("dynamodb")
        return {
            "sequence_number": raw.get("SequenceNumber") if isinstance(raw, Mapping) else None,
            "event_id": record.get("eventID"),
        }
    signal = getattr(record, "signal", None)
    if signal is not None:
        return {"series": signal.series, "candle_ts": signal.candle_ts}
    dynamodb = getattr(record, "dynamodb", None)
    sequence_number = getattr(dynamodb, "SequenceNumber", None) or getattr(dynamodb, "sequence_number", None)
    return {"sequence_number": sequence_number, "event_id": getattr(record, "event_id", None)}

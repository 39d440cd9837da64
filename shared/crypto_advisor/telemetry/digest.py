"""Log lines of each digest run, and ``DigestsSent`` (one per recipient's email) for the dashboard.

A failed digest needs no metric of its own: the run then fails, which
DigestFailureQueue's alarm and the function's Errors alarm report, and its
log line says why. A recipient whose digest already went out is not logged:
that is every run of the day after the first. A run that is not due logs at
debug level: most runs of a day are. Addresses are never logged, only counts.
"""

from __future__ import annotations

from typing import Any

from crypto_advisor.digest.service import DigestRun
from crypto_advisor.telemetry.catalog import DIGESTS_SENT
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record(run: DigestRun) -> None:
    where: dict[str, Any] = {"day": run.day, "timezone": run.timezone}
    if run.status == "off":
        logger.info("the daily digest is off (digest.enabled: false in the watchlist)")
        return
    if run.status == "not_due":
        logger.debug("no digest due", timezone=run.timezone, next_due_ms=run.due_ms)
        return
    if run.status == "no_recipients":
        logger.warning("a digest is due but nobody gets alerts: set alerts.recipients or RecipientEmails", **where)
        return
    for series, why in run.unreadable:
        logger.warning("a series of the digest could not be read; its row says so", series=series, error=why, **where)
    for outcome in run.recipients:
        fields: dict[str, Any] = {**where, "series": outcome.series, "message_id": outcome.message_id}
        if outcome.status == "sent":
            metrics.add_metric(name=DIGESTS_SENT.name, unit=MetricUnit.Count, value=1)
            logger.info("digest sent", subject=outcome.subject, **fields)
            if outcome.took_over:
                logger.warning(
                    "took over a stale digest claim: if the run that held it died after SES accepted, "
                    "this digest went twice",
                    **where,
                )
        elif outcome.status == "unsubscribed":
            logger.info("no digest: the recipient unsubscribed", **fields)
        elif outcome.status == "in_flight":
            logger.info("digest being sent by another invocation: left to it (or to the next run)", **fields)
        elif outcome.status == "unknown":
            logger.warning(
                "SES's answer was lost: the digest may or may not have arrived; kept as unknown, never sent again",
                error=(outcome.error or "")[:2000],
                **fields,
            )
        elif outcome.status == "failed":
            logger.error(
                "digest failed; the claim was released and the next hourly run sends it",
                error_type=outcome.error_type,
                error=(outcome.error or "")[:2000],
                **fields,
            )
        for note in outcome.notes:
            logger.warning(note, **fields)

"""TrainFunction: once a day, refit every watched series' forecast models and rule replay figures from the archive.

Two events reach it. The ``Schedule`` event (an EventBridge rule), like
IngestFunction's: its ``time`` is the run's clock and names the model versions
written, so a redelivered event rewrites the same keys. A watchlist of at most
``TRAIN_INLINE_SERIES`` series is trained right there; a larger one is planned
into tasks on the training queue (:mod:`crypto_advisor.training.fan_out`).
The training queue's ``SQS`` event, one task a record: the task's series are
trained and its part of the run's report written; a record that is not a task,
or whose part cannot be written, is reported in ``batchItemFailures`` and
retried, then parked in the dead-letter queue (an alarm says so). A series that
fails to train is reported in the run's report, not retried: tomorrow's run
trains it again.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.training_task import TaskError, TrainingTask
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.telemetry.training import (
    record,
    record_handoff,
    record_scans,
    record_task,
    record_task_failure,
)
from crypto_advisor.training.fan_out import hand_on, plan_run, work_task
from crypto_advisor.training.scan import train_scans
from crypto_advisor.training.service import run_training
from crypto_advisor.wiring.schedule import ScheduledEvent
from crypto_advisor.wiring.settings import TrainSettings, built
from crypto_advisor.wiring.train import training_deps

# Its validator is built at import: the cold start pays for it, not the first event.
built(TrainSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, config: ForecastConfig | None = None
) -> dict[str, Any]:
    """``config`` is every series' forecast configuration (tests, the demo's smaller models); None: each series is
    trained with its own timeframe's defaults (:meth:`ForecastConfig.for_timeframe`, chosen per series by
    :func:`~crypto_advisor.training.service.run_training`)."""
    settings = TrainSettings.from_env(os.environ)
    deps = training_deps(settings)
    if "Records" in event:
        return _work(event["Records"], deps=deps, config=config)
    scheduled = ScheduledEvent.model_validate(event)
    run_ms = int(scheduled.time.timestamp() * 1000)
    # The market scans' breakout model: one model over all of a scan's coins, fitted here whether the series fan out
    scans = train_scans(deps.watchlist, now_ms=run_ms, archive=deps.ports.archive, reports=deps.scan_reports)
    record_scans(scans)
    if deps.queue is not None and len(deps.watchlist) > settings.inline_series:
        planned = plan_run(
            deps.watchlist.series,
            run_ms=run_ms,
            series_per_task=settings.series_per_task,
            queue=deps.queue,
            reports=deps.reports,
        )
        return {**planned, "scans": scans} if scans else planned
    # With a queue, the series this invocation's time would not cover are handed to it rather than cut off at the
    # timeout: a series' training grows with its archive.
    time_left = (lambda: context.get_remaining_time_in_millis() / 1000) if deps.queue is not None else None
    report = run_training(
        deps.watchlist, now_ms=run_ms, config=config, rules=deps.rules, ports=deps.ports, time_left=time_left
    )
    record(report)
    answer = report.as_dict()
    if report.deferred and deps.queue is not None:
        handed = hand_on(
            report, deps.watchlist, series_per_task=settings.series_per_task, queue=deps.queue, reports=deps.reports
        )
        record_handoff(run_ms, report.deferred, handed)
        if handed is not None:
            answer["handed_to_queue"] = handed
    return {**answer, "scans": scans} if scans else answer


def _work(records: list[dict[str, Any]], *, deps: Any, config: ForecastConfig | None) -> dict[str, Any]:
    failures = []
    for item in records:
        try:
            task = TrainingTask.from_json(item["body"])
            outcome = work_task(
                task, deps.watchlist, config=config, rules=deps.rules, ports=deps.ports, reports=deps.reports
            )
            record(outcome.report)
            record_task(outcome)
        except (TaskError, StorageError) as exc:
            record_task_failure(item.get("messageId", "?"), exc)
            failures.append({"itemIdentifier": item["messageId"]})
    return {"batchItemFailures": failures}

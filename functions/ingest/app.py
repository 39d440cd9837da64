"""IngestFunction: on each EventBridge schedule tick, plan the tick and fetch newly closed candles.

The trigger is a ``Schedule`` event (an EventBridge rule), chosen over
``ScheduleV2`` because its envelope carries ``time``: the run takes that
scheduled time as its clock, so a run is reproducible from its event, and the
local runtime can drive a simulated clock through the very same field.

The run reads every cursor in batches and plans (:mod:`crypto_advisor.ingest.planner`):
what fits its time budget is fetched right here, as always; a source whose due
work does not fit is cut into chunks on its ingest queue, which
IngestWorkerFunction (``functions/ingest/worker.py``) fetches at the source's
paced rate. The chunks are queued before the inline run starts, so the workers
and the inline run overlap.

A source whose queue fails (cannot be read, or refuses the chunks) costs only
that source its fan-out this tick (:mod:`crypto_advisor.ingest.queueing`): the
other sources' chunks are queued and the inline run fetches and stores as
always; then the invocation fails naming each such source and its cause, so
the ingest errors alarm fires and Lambda retries the tick.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.ingest.planner import plan_tick
from crypto_advisor.ingest.ports import MarketSource
from crypto_advisor.ingest.queueing import TickQueues
from crypto_advisor.ingest.service import run_ingest
from crypto_advisor.ingest.settling import settle_ms
from crypto_advisor.telemetry.ingest import record, record_plan
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.ingest import ingest_deps
from crypto_advisor.wiring.schedule import ScheduledEvent
from crypto_advisor.wiring.settings import IngestSettings, built

# Its validator is built at import: the cold start pays for it, not the first event.
built(IngestSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, sources: Mapping[str, MarketSource] | None = None
) -> dict[str, Any]:
    """``sources`` replaces the real exchanges (the local runtime's simulated market); None means real."""
    scheduled = ScheduledEvent.model_validate(event)
    settings = IngestSettings.from_env(os.environ)
    deps = ingest_deps(settings)
    now_ms = int(scheduled.time.timestamp() * 1000)
    scans = [s.scan for s in deps.watchlist.scans]
    # The scans' own cursors in the same batches: a due scan's calls count on its source's budget.
    cursors = deps.stores.candles.batch_cursors([w.series for w in deps.watchlist] + [s.cursor_series for s in scans])
    active = sources if sources is not None else deps.sources
    queues = TickQueues(deps.queues)
    plan = plan_tick(
        deps.watchlist,
        cursors,
        now_ms=now_ms,
        budgets=deps.budgets,
        inline_seconds=settings.inline_seconds,
        fan_out=deps.fan_out,
        busy=queues.busy,
        scans=scans,
        settle=lambda series: settle_ms(active.get(series.source), series),
    )
    failures = queues.send(plan)
    record_plan(plan, failures)
    report = run_ingest(
        deps.watchlist,
        series=plan.inline,
        now_ms=now_ms,
        sources=active,
        stores=deps.stores,
        cursors=cursors,
    )
    record(report)
    queues.raise_failures()
    return {**report.as_dict(), "plan": plan.as_dict()}

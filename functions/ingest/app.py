"""IngestFunction: on each EventBridge schedule tick, fetch newly closed candles for the watchlist.

The trigger is a ``Schedule`` event (an EventBridge rule), chosen over
``ScheduleV2`` because its envelope carries ``time``: the run takes that
scheduled time as its clock, so a run is reproducible from its event, and the
local runtime can drive a simulated clock through the very same field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.ingest.ports import MarketSource
from crypto_advisor.ingest.service import run_ingest
from crypto_advisor.telemetry.ingest import record
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.ingest import ingest_deps
from crypto_advisor.wiring.settings import IngestSettings


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, sources: Mapping[str, MarketSource] | None = None
) -> dict[str, Any]:
    """``sources`` replaces the real exchanges (the local runtime's simulated market); None means real."""
    scheduled = parse(event=event, model=EventBridgeModel)
    deps = ingest_deps(IngestSettings.from_env(os.environ))
    report = run_ingest(
        deps.watchlist,
        now_ms=int(scheduled.time.timestamp() * 1000),
        sources=sources if sources is not None else deps.sources,
        stores=deps.stores,
    )
    record(report)
    return report.as_dict()

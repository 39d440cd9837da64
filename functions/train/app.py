"""TrainFunction: once a day, refit every watched series' forecast models and rule replay figures from the archive.

A ``Schedule`` event (an EventBridge rule), like IngestFunction's: its
``time`` is the run's clock and names the model versions written, so a
redelivered event rewrites the same keys, and the local runtime drives the
same field.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.telemetry.training import record
from crypto_advisor.training.service import run_training
from crypto_advisor.wiring.settings import TrainSettings
from crypto_advisor.wiring.train import training_deps


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, config: ForecastConfig | None = None
) -> dict[str, Any]:
    """``config`` replaces the default forecast configuration (tests, the demo's smaller models); None: defaults."""
    scheduled = parse(event=event, model=EventBridgeModel)
    deps = training_deps(TrainSettings.from_env(os.environ))
    report = run_training(
        deps.watchlist,
        now_ms=int(scheduled.time.timestamp() * 1000),
        config=config if config is not None else ForecastConfig(),
        rules=deps.rules,
        ports=deps.ports,
    )
    record(report)
    return report.as_dict()

"""DigestFunction: every hour, the daily digest to each recipient whose local digest time has come.

Like IngestFunction, the trigger is a ``Schedule`` event whose ``time`` is the
run's clock, so a run is reproducible from its event and the local runtime can
drive it with a simulated clock; the claims' lease is kept in the wall clock.
A run that finds no digest due returns at once. One recipient's failed digest
(SES refused it, rendering failed) is released and reported; the invocation
then fails so the failure reaches DigestFailureQueue and its alarm, after the
other recipients were served. The next hourly run sends it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.telemetry.digest import record
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.digest import DigestFunctionSettings, digest_deps
from crypto_advisor.wiring.schedule import ScheduledEvent


class DigestFailedError(Exception):
    """Some recipient's digest could not be sent this run (the next hourly run tries again)."""


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext, ses_client: Any = None) -> dict[str, Any]:
    """``ses_client`` replaces the real SES client (tests wrap the embedded one); None means real."""
    scheduled = ScheduledEvent.model_validate(event)
    deps = digest_deps(DigestFunctionSettings.from_env(os.environ), ses_client)
    run = deps.run(at_ms=int(scheduled.time.timestamp() * 1000), wall_ms=int(time.time() * 1000))
    record(run)
    if run.failed:
        raise DigestFailedError(
            f"{len(run.failed)} of {len(run.recipients)} digests of {run.day} failed: "
            + "; ".join(f"{r.error_type}: {r.error}" for r in run.failed)
        )
    return run.as_dict()

"""NewsFunction: on each EventBridge schedule tick, fetch, score and store the news of every watched coin.

Like IngestFunction, the trigger is a ``Schedule`` event whose ``time`` is the
run's clock, so a run is reproducible from its event. Without a NewsAPI key in
the secret, news is off: one log line says how to set it, and the run returns
normally (no failure, no alarm; the analysis simply has no news).
"""

from __future__ import annotations

import os
from typing import Any

import requests
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.news.service import run_news
from crypto_advisor.telemetry.news import record, record_off
from crypto_advisor.telemetry.observability import logger, metrics
from crypto_advisor.wiring.news import news_deps, news_source
from crypto_advisor.wiring.schedule import ScheduledEvent
from crypto_advisor.wiring.settings import NewsSettings, built

# Its validator is built at import: the cold start pays for it, not the first event.
built(NewsSettings)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, newsapi_session: requests.Session | None = None
) -> dict[str, Any]:
    """``newsapi_session`` answers NewsAPI's URLs instead of the internet (the demo's feed, tests); None is real."""
    scheduled = ScheduledEvent.model_validate(event)
    now_ms = int(scheduled.time.timestamp() * 1000)
    deps = news_deps(NewsSettings.from_env(os.environ))
    source = news_source(deps, newsapi_session)
    if source is None:
        record_off(deps.secret_id)
        return {"status": "off", "now_ms": now_ms}
    report = run_news(deps.watchlist.coins(), now_ms=now_ms, source=source, store=deps.store, archive=deps.archive)
    record(report)
    return report.as_dict()

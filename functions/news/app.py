"""NewsFunction: on each EventBridge schedule tick, fetch, score and store the news of every watched coin.

Like IngestFunction, the trigger is a ``Schedule`` event whose ``time`` is the
run's clock, so a run is reproducible from its event. Without a NewsAPI key in
the secret, news is off: one log line says how to set it, and the run returns
normally (no failure, no alarm; the analysis simply has no news). Either way
the run writes the news summary of each watched coin that has none
(:func:`~crypto_advisor.news.service.refresh_summaries`), so the analysis reads
one item per batch of coins, not one Query per update, with news off too.
"""

from __future__ import annotations

import os
from typing import Any

import requests
from aws_lambda_powertools.utilities.typing import LambdaContext

from crypto_advisor.news.service import refresh_summaries, run_news
from crypto_advisor.telemetry.news import record, record_off, record_summaries
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
    coins = deps.watchlist.coins()
    if source is None:
        record_off(deps.secret_id)
        record_summaries(refresh_summaries(coins, now_ms=now_ms, articles=deps.store, summaries=deps.summaries))
        return {"status": "off", "now_ms": now_ms}
    report = run_news(
        coins,
        now_ms=now_ms,
        source=source,
        store=deps.store,
        archive=deps.archive,
        summaries=deps.summaries,
        articles=deps.store,
        # The run ends in time: the coins it cannot reach go first in the next run (news.service).
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        rotation=deps.rotation,
        # a coin whose entry gives a name: is searched by that name alone (news.query)
        named=deps.watchlist.given_names(),
    )
    record(report)
    return report.as_dict()

"""Turns a news run report into structured log lines, and ``NewsCoinsFailed`` for its alarm."""

from __future__ import annotations

from crypto_advisor.news.service import NewsRunReport, SummaryReport
from crypto_advisor.telemetry.catalog import NEWS_COINS_FAILED
from crypto_advisor.telemetry.observability import MetricUnit, logger, metrics


def record_off(secret_id: str) -> None:
    """News is off: one line that says why and how to turn it on."""
    logger.warning(
        "news is off: no NewsAPI key in the secret; set it with aws secretsmanager put-secret-value",
        secret_id=secret_id,
        fix=f"aws secretsmanager put-secret-value --secret-id {secret_id} --secret-string <your NewsAPI key>",
    )


def record_summaries(report: SummaryReport) -> None:
    """The news summaries a run wrote; each one that failed (its coin's analysis reads the coin's Query meanwhile)."""
    for coin, error in report.failed.items():
        logger.error("news summary not written: the analysis reads the coin's articles instead", coin=coin, error=error)
    if report.unlisted:
        logger.error(
            "news summaries not listed: only the coins with new articles were rewritten", error=report.unlisted
        )
    logger.info("news summaries", written=len(report.written), too_large=report.too_large, failed=len(report.failed))


def record(report: NewsRunReport) -> None:
    for coin in report.coins:
        for rejection in coin.rejected:
            logger.warning(
                "article rejected", coin=coin.coin, index=rejection.index, url=rejection.url, reason=rejection.reason
            )
        if coin.incomplete:
            logger.info("news answer incomplete", coin=coin.coin, note=coin.incomplete)
        if coin.status == "stored":
            logger.info(
                "news stored",
                coin=coin.coin,
                query=coin.query,
                fetched=coin.fetched,
                new=coin.new,
                duplicates=coin.duplicates,
                rejected=len(coin.rejected),
                other_languages=coin.other_languages,
                off_topic=coin.off_topic,
                also_for=coin.also_for,
                archive_key=coin.archive_key,
            )
        elif coin.status == "failed" and coin.error_kind not in ("SourceAuthError", "RateLimitedError"):
            logger.error("news of a coin failed", coin=coin.coin, error=coin.error, kind=coin.error_kind)
    if report.stopped == "auth":
        failed = next(c for c in report.coins if c.error_kind == "SourceAuthError")
        logger.error(
            "NewsAPI refused the key: no news this run; check the key in the secret (NewsApiKeySecretArn output)",
            error=failed.error,
            skipped=[c.coin for c in report.coins if c.status == "skipped"],
        )
    elif report.stopped == "rate_limited":
        failed = next(c for c in report.coins if c.error_kind == "RateLimitedError")
        logger.warning(
            "NewsAPI rate limit reached: no more calls this run",
            error=failed.error,
            skipped=[c.coin for c in report.coins if c.status == "skipped"],
        )
    elif report.stopped == "time":
        logger.warning(
            "news run out of time: the coins not reached are called first in the next run",
            deferred=report.deferred,
            because=report.stopped_because,
            fix=(
                "to serve every coin each run: fewer coins with news, or more memory for NewsFunction (a larger CPU "
                "share); its timeout is Lambda's longest already (900 s)"
            ),
        )
    logger.info(
        "news run",
        stored=report.new,
        deferred=len(report.deferred),
        duplicates=report.duplicates,
        rejected=report.rejected,
        other_languages=report.other_languages,
        failed=len(report.failed),
    )
    record_summaries(report.summaries)
    if report.failed:
        metrics.add_metric(name=NEWS_COINS_FAILED.name, unit=MetricUnit.Count, value=len(report.failed))

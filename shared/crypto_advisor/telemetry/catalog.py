"""Every custom CloudWatch metric the stack publishes, in one place: each is billed on its own.

CloudWatch bills every (namespace, metric name, dimension set) a function
publishes as one custom metric (about 0.30 USD a month for one published every
hour), so a metric is kept only when an alarm or the dashboard in
``template.yaml`` reads it; the rest of what happens is in the structured logs,
which the dashboard queries where a breakdown is wanted (suppressions by
reason, rejected candles by reason). ``tests/unit/operations`` holds it: every
``add_metric`` in ``telemetry/`` names a constant here, and every name here is
read by an alarm or the dashboard.

Each EMF metric is published with Powertools' one default dimension,
``service`` (``POWERTOOLS_SERVICE_NAME`` in the template), in
``POWERTOOLS_METRICS_NAMESPACE``. Failure counters are published only when
something failed: an hour without data costs nothing, and their alarms treat
missing data as "nothing failed".

No Powertools import here: ``make cost`` and the tests read this module alone.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "CryptoAdvisor"
#: The dimension set of every EMF metric below (Powertools' default dimension).
DIMENSIONS: tuple[tuple[str, str], ...] = (("service", "crypto-advisor"),)


@dataclass(frozen=True, slots=True)
class CustomMetric:
    name: str
    #: The function that publishes it.
    function: str
    #: What one data point means.
    meaning: str


# IngestFunction
INGEST_RUNS = CustomMetric("IngestRuns", "IngestFunction", "one completed run (the ingest heartbeat)")
CANDLES_STORED = CustomMetric("CandlesStored", "IngestFunction", "closed candles stored by a run")
SERIES_FAILED = CustomMetric("SeriesFailed", "IngestFunction", "series whose ingest failed in a run")
STALEST_SERIES_SECONDS = CustomMetric(
    "StalestSeriesSeconds",
    "IngestFunction",
    "seconds since the oldest candle a source still lacks had closed, over the lagging series of a run",
)
# AnalyzeFunction
SIGNALS_STORED = CustomMetric("SignalsStored", "AnalyzeFunction", "one signal stored (one per series and candle)")
PREDICTIONS_FAILED = CustomMetric("PredictionsFailed", "AnalyzeFunction", "a signal stored without its predictions")
MODEL_REFRESH_FAILED = CustomMetric(
    "ModelRefreshFailed", "AnalyzeFunction", "the served model could not be re-read; the cached version served"
)
MODEL_AGE_SECONDS = CustomMetric(
    "ModelAgeSeconds", "AnalyzeFunction", "age of the model version that served a prediction, since it was trained"
)
# NotifyFunction
EMAILS_SENT = CustomMetric("EmailsSent", "NotifyFunction", "one alert email sent")
MARKET_EMAILS_SENT = CustomMetric("MarketEmailsSent", "NotifyFunction", "one market email sent")
ALERTS_FAILED = CustomMetric("AlertsFailed", "NotifyFunction", "a signal record failed; the stream retries it")
LEDGER_FAILURES = CustomMetric(
    "LedgerFailures", "NotifyFunction", "an email went out but its predictions could not be kept in the ledger"
)
# DigestFunction
DIGESTS_SENT = CustomMetric("DigestsSent", "DigestFunction", "one daily digest sent")
# NewsFunction
NEWS_COINS_FAILED = CustomMetric("NewsCoinsFailed", "NewsFunction", "coins whose news failed in a run")
# TrainFunction
TRAIN_SERIES_FAILED = CustomMetric("TrainSeriesFailed", "TrainFunction", "series whose training failed in a run")

#: What the functions publish (EMF, through Powertools Metrics), each with :data:`DIMENSIONS`.
EMITTED: tuple[CustomMetric, ...] = (
    INGEST_RUNS,
    CANDLES_STORED,
    SERIES_FAILED,
    STALEST_SERIES_SECONDS,
    SIGNALS_STORED,
    PREDICTIONS_FAILED,
    MODEL_REFRESH_FAILED,
    MODEL_AGE_SECONDS,
    EMAILS_SENT,
    MARKET_EMAILS_SENT,
    ALERTS_FAILED,
    LEDGER_FAILURES,
    DIGESTS_SENT,
    NEWS_COINS_FAILED,
    TRAIN_SERIES_FAILED,
)

#: Published by SES, not by this code, through the email configuration set's CloudWatch event destination
#: (``EmailEventsToCloudWatch`` in the template), in ``AWS/SES`` with one dimension,
#: ``ses:configuration-set``; billed as custom metrics all the same, and only in hours with such an event.
SES_EVENT_METRICS: tuple[str, ...] = ("Bounce", "Complaint")

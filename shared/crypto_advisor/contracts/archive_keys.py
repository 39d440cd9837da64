"""S3 key layout of the archive: Hive-style partitions Athena can query as they are.

``raw/ohlcv/source=kraken/symbol=BTC-USD/timeframe=1h/date=2026-11-20/<first_ts>-<last_ts>.jsonl.gz``

One object per series and UTC day per ingest write, named by the candle range
it holds, so rewriting the same candles writes the same key (idempotent). The
rare overlap between two objects (a run that failed after archiving) holds
identical candles; readers de-duplicate on ``ts``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from crypto_advisor.contracts.series import Series

OHLCV_PREFIX = "raw/ohlcv"


def utc_date(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def series_prefix(series: Series) -> str:
    return f"{OHLCV_PREFIX}/source={series.source}/symbol={series.symbol}/timeframe={series.timeframe}/"


def ohlcv_key(series: Series, first_ts: int, last_ts: int) -> str:
    """Key of the object holding candles ``first_ts..last_ts`` (all on one UTC day)."""
    return f"{series_prefix(series)}date={utc_date(first_ts)}/{first_ts}-{last_ts}.jsonl.gz"


TRAINING_HISTORY_PREFIX = "training/history"


def training_history_key(series: Series) -> str:
    """The daily refit's compacted copy of a series' archive (``adapters.training_history``).

    ``training/history/source=kraken/symbol=BTC-USD/timeframe=1h/candles.jsonl.gz``: outside ``raw/``, so
    Athena's tables over ``raw/ohlcv/`` never count its candles twice; rebuilt from ``raw/`` whenever it is
    missing or wrong.
    """
    return f"{TRAINING_HISTORY_PREFIX}/{series_prefix(series).removeprefix(OHLCV_PREFIX + '/')}candles.jsonl.gz"


FIRINGS_PREFIX = "raw/firings"


def firings_key(series: Series, candle_ts: int) -> str:
    """Where the rule firings of one analysed candle live, for Athena (firings per rule per day).

    ``raw/firings/date=2026-11-20/kraken.BTC-USD.1h.<candle ts>.jsonl.gz``: partitioned by UTC day only,
    so "every rule on every series that day" is one partition and needs no list of series (the
    candles' table, partitioned by series, must be told which symbols to read). The Signals table
    forgets a signal after its TTL; the archive keeps what fired, held back or not. One object per
    candle: a redelivered update rewrites the same key.
    """
    name = f"{series.source}.{series.symbol}.{series.timeframe}.{candle_ts}"
    return f"{FIRINGS_PREFIX}/date={utc_date(candle_ts)}/{name}.jsonl.gz"


STATS_PREFIX = "stats/replay"


def replay_figures_key(series: Series) -> str:
    """Where a series' per-rule replay figures live, for the notifier to quote."""
    return f"{STATS_PREFIX}/source={series.source}/symbol={series.symbol}/timeframe={series.timeframe}/rules.json"


NEWS_PREFIX = "raw/news"


def news_key(coin: str, run_ms: int) -> str:
    """Where one news run archives what NewsAPI answered for one coin.

    ``raw/news/coin=BTC/date=2026-11-20/<run time ms>.json.gz``: one object per
    coin and run, named by the run's clock (the schedule event's time), so a
    redelivered event rewrites the same key.
    """
    return f"{NEWS_PREFIX}/coin={coin}/date={utc_date(run_ms)}/{run_ms}.json.gz"


MODELS_PREFIX = "models"


def model_series_prefix(series: Series) -> str:
    """``models/source=kraken/symbol=BTC-USD/timeframe=1h/``: every trained version of a series, and its pointer."""
    return f"{MODELS_PREFIX}/source={series.source}/symbol={series.symbol}/timeframe={series.timeframe}/"


def model_version_prefix(series: Series, version: str) -> str:
    """One training run's objects: ``.../v=<trained_at_ms>/`` (the run's clock, so a rerun rewrites the same keys)."""
    return f"{model_series_prefix(series)}v={version}/"


def model_bundle_key(series: Series, version: str) -> str:
    """The artifacts (``forecast.artifacts.to_bytes``) of one version."""
    return f"{model_version_prefix(series, version)}bundle.npz"


def model_cards_key(series: Series, version: str) -> str:
    """The model cards of one version as JSON (a list of ``ModelCard.to_dict()``)."""
    return f"{model_version_prefix(series, version)}cards.json"


def model_cards_text_key(series: Series, version: str) -> str:
    """The same cards as readable tables (``forecast.card.format_card``)."""
    return f"{model_version_prefix(series, version)}cards.txt"


def model_latest_key(series: Series) -> str:
    """The pointer to the version AnalyzeFunction serves: only the training gate moves it."""
    return f"{model_series_prefix(series)}latest.json"


TRAINING_RUNS_PREFIX = "reports/train"


def training_run_prefix(run_ms: int) -> str:
    """``reports/train/<run ms>/``: a fanned-out daily run's plan, each chunk's report, and the run's report."""
    return f"{TRAINING_RUNS_PREFIX}/{run_ms}/"


SCAN_PREFIX = "reports/scan"


def scan_snapshot_key(vs: str) -> str:
    """The market scan's newest snapshot (its coins, ranks, 24 h changes), rewritten by each hour's scan."""
    return f"{SCAN_PREFIX}/vs={vs}/latest.json"


def scan_breakouts_key(vs: str) -> str:
    """The scan's breakout model: its walk-forward card and each coin's probability, rewritten by each training run."""
    return f"{SCAN_PREFIX}/vs={vs}/breakouts.json"


SENT_EMAILS_PREFIX = "sent-emails"


def sent_email_key(log_key: str, candle_ts: int) -> str:
    """Where the MIME message an alert decision sent is kept, for the dashboard to show it as it was sent.

    ``sent-emails/<notification log key>/<candle ts>.eml``: the log key is the decision's (a series key, ``market#1h``
    for a market email, ``scan#USD`` for a scan's), so a decision's alert id names its message.
    """
    return f"{SENT_EMAILS_PREFIX}/{log_key}/{candle_ts}.eml"

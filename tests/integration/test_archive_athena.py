"""The archive in Athena: the Glue tables and workgroup the template declares, read against what the pipeline writes.

The catalog is created from template.yaml's own resources on the embedded AWS
(:mod:`crypto_advisor.local.catalog`); the named queries run on DuckDB over the
archive's objects after translation from Athena's SQL
(:mod:`crypto_advisor.local.athena_stand_in`), so a key the table cannot read, a
column the objects lack, or a query that computes the wrong thing fails here.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.adapters.archive import CandleArchive
from crypto_advisor.adapters.firing_archive import ArchivingSignalWriter, FiringArchive, decode
from crypto_advisor.adapters.news_archive import NewsArchive
from crypto_advisor.adapters.signal_store import SignalStore
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import SOURCE_TIMEFRAMES, SOURCES, Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Signal
from crypto_advisor.local.athena_stand_in import ArchiveQueries, GlueTable, injected_columns_named
from crypto_advisor.local.market import SimulatedMarket, simulated_sources
from tests.integration.test_analyze_function import signals
from tests.integration.test_ingest_function import EVENT, WATCHLIST
from tests.recorded.newsapi import everything, mood_articles

HOUR = 3_600_000
QUERIES = ("daily-returns", "return-correlation", "firings-per-rule-per-day")


def glue_tables(deployed) -> dict[str, GlueTable]:
    answer = deployed.aws.client("glue").get_tables(DatabaseName=deployed.stack.outputs["ArchiveDatabaseName"])
    return {t["Name"]: GlueTable.from_glue(t) for t in answer["TableList"]}


def named_queries(deployed) -> dict[str, str]:
    athena = deployed.aws.client("athena")
    workgroup = deployed.stack.outputs["ArchiveWorkGroupName"]
    ids = athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"]
    found = [athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in ids]
    return {q["Name"]: q["QueryString"] for q in found}


def test_the_stack_declares_the_archive_tables_a_workgroup_and_the_named_queries(deploy_stack):
    deployed = deploy_stack(AthenaBytesScannedCutoff="50000000")
    tables = glue_tables(deployed)
    assert set(tables) == {"ohlcv", "news", "firings"}
    ohlcv = tables["ohlcv"].projection
    # The projected values are the ones the project can write: a new source or timeframe must be added here too.
    assert ohlcv["projection.source.values"].split(",") == list(SOURCES)
    assert set(ohlcv["projection.timeframe.values"].split(",")) == {
        tf for tfs in SOURCE_TIMEFRAMES.values() for tf in tfs
    }
    assert ohlcv["projection.symbol.type"] == "injected"
    workgroup = deployed.aws.client("athena").get_work_group(WorkGroup=deployed.stack.outputs["ArchiveWorkGroupName"])
    config = workgroup["WorkGroup"]["Configuration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 50_000_000
    results = config["ResultConfiguration"]
    assert results["OutputLocation"] == f"s3://{deployed.bucket}/athena-results/"
    assert results["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    assert set(named_queries(deployed)) == set(QUERIES)


def test_every_named_query_pins_the_injected_columns_athena_requires(deployed):
    tables = glue_tables(deployed)
    for name, sql in named_queries(deployed).items():
        table = tables["firings"] if "firings" in sql else tables["ohlcv"]
        assert injected_columns_named(table, sql) == [], name


def test_the_keys_the_ingest_and_news_write_are_read_by_their_tables(deployed):
    # Given a real ingest run (the simulated exchanges) archiving candles
    deployed.upload_watchlist(WATCHLIST)
    deployed.runtime.invoke("IngestFunction", EVENT, sources=simulated_sources(SimulatedMarket(seed=11)))
    tables = glue_tables(deployed)
    s3 = deployed.aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=deployed.bucket, Prefix="raw/ohlcv/")["Contents"]]
    assert keys
    for key in keys:
        values = tables["ohlcv"].partition_values(key)
        assert values is not None, key
        assert tables["ohlcv"].projects(values) == [], key
    # A key of another layout is not read (the check can fail)
    assert tables["ohlcv"].partition_values("raw/ohlcv/kraken/BTC-USD/1h/2026-01-01/x.jsonl.gz") is None
    assert tables["ohlcv"].projects({"source": "binance", "timeframe": "1h", "date": "2026-01-01"}) != []


def _day_candles(day: datetime, close: float) -> list[Candle]:
    start = int(day.timestamp() * 1000)
    return [Candle(start + h * HOUR, close, close * 1.01, close * 0.99, close, 10.0) for h in range(24)]


def test_the_daily_returns_and_correlation_queries_compute_what_pandas_does(deployed, tmp_path):
    # Given 20 days of candles for three series, archived by the real adapter, ending yesterday
    rng = np.random.default_rng(5)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=20 - i) for i in range(20)]
    closes = {}
    archive = CandleArchive(deployed.aws.client("s3"), deployed.bucket)
    for symbol in ("BTC-USD", "ETH-USD", "SOL-USD"):
        series = Series("kraken", symbol, "1h")
        path = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days))))
        closes[series.key] = pd.Series(path, index=[d.strftime("%Y-%m-%d") for d in days])
        for day, close in zip(days, path, strict=True):
            archive.put(series, _day_candles(day, float(close)))
    queries = ArchiveQueries.from_stack(deployed.aws, deployed.stack.outputs, tmp_path / "archive")
    sql = named_queries(deployed)

    # When Athena's daily-returns query runs (BTC and ETH named in it)
    rows = queries.run(sql["daily-returns"])
    # Then each day's return is the close over the previous day's close, per series
    got = pd.DataFrame(rows).set_index(["series", "date"])["daily_return"]
    for key in ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h"):
        expected = closes[key].pct_change()
        assert got.loc[key].iloc[1:].to_numpy() == pytest.approx(expected.iloc[1:].to_numpy(), rel=1e-9)
        assert math.isnan(got.loc[key].iloc[0]) or got.loc[key].iloc[0] is None

    # And the correlation query gives numpy's correlation of those returns for every pair
    pairs = {(r["series_a"], r["series_b"]): r for r in queries.run(sql["return-correlation"])}
    assert set(pairs) == {
        ("kraken:BTC-USD:1h", "kraken:ETH-USD:1h"),
        ("kraken:BTC-USD:1h", "kraken:SOL-USD:1h"),
        ("kraken:ETH-USD:1h", "kraken:SOL-USD:1h"),
    }
    for (a, b), row in pairs.items():
        ra, rb = closes[a].pct_change().iloc[1:], closes[b].pct_change().iloc[1:]
        assert row["correlation"] == pytest.approx(np.corrcoef(ra, rb)[0, 1], rel=1e-9)
        assert row["days"] == 19


def _signal(series: str, ts: int, rules: list[tuple[str, bool]]) -> Signal:
    firings = [
        FiringRecord(
            rule_id=rule,
            direction="bullish",
            severity=2,
            value=1.0,
            threshold=0.5,
            distance=0.5,
            unit="sigma",
            sentence="s",
            suppressed=held,
            suppressed_reason="unhealthy data: gap" if held else None,
        )
        for rule, held in rules
    ]
    return Signal(
        series=series, candle_ts=ts, close=100.0, firings=firings, health=Health(healthy=True), analyzed_at=ts
    )


def test_the_analysis_archives_every_firing_and_the_firings_query_counts_them(deployed, tmp_path):
    s3 = deployed.aws.client("s3")
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["SignalsTableName"])
    writer = ArchivingSignalWriter(FiringArchive(s3, deployed.bucket), SignalStore(table))
    today = int(datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    yesterday = today - 24 * HOUR
    # Given signals: two with firings (one held back), one quiet, on two days
    assert writer.put_once(
        _signal("kraken:BTC-USD:1h", yesterday + HOUR, [("rsi_extreme", False), ("volume_spike", True)])
    )
    assert writer.put_once(_signal("kraken:ETH-USD:1h", yesterday + 2 * HOUR, [("rsi_extreme", False)]))
    assert writer.put_once(_signal("kraken:ETH-USD:1h", today + HOUR, [("rsi_extreme", False)]))
    assert writer.put_once(_signal("kraken:BTC-USD:1h", today + 2 * HOUR, []))
    # A redelivery rewrites the same object and stores nothing
    assert not writer.put_once(_signal("kraken:ETH-USD:1h", today + HOUR, [("rsi_extreme", False)]))

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=deployed.bucket, Prefix="raw/firings/")["Contents"]]
    assert len(keys) == 3  # nothing for the quiet candle
    rows = decode(s3.get_object(Bucket=deployed.bucket, Key=sorted(keys)[0])["Body"].read())
    assert {r["rule_id"] for r in rows} <= {"rsi_extreme", "volume_spike"}

    # When the named query counts firings per rule per day
    queries = ArchiveQueries.from_stack(deployed.aws, deployed.stack.outputs, tmp_path / "archive")
    got = {(r["date"], r["rule_id"]): r for r in queries.run(named_queries(deployed)["firings-per-rule-per-day"])}
    day = datetime.fromtimestamp(yesterday / 1000, UTC).strftime("%Y-%m-%d")
    assert got[(day, "rsi_extreme")]["firings"] == 2 and got[(day, "rsi_extreme")]["series"] == 2
    assert got[(day, "volume_spike")]["held_back"] == 1
    assert len(got) == 3


def test_a_failed_firing_archive_stores_no_signal_so_nothing_is_emailed(deployed):
    table = deployed.aws.resource("dynamodb").Table(deployed.stack.outputs["SignalsTableName"])
    writer = ArchivingSignalWriter(FiringArchive(deployed.aws.client("s3"), "no-such-bucket"), SignalStore(table))
    with pytest.raises(StorageError, match="archiving the firings of kraken:BTC-USD:1h"):
        writer.put_once(_signal("kraken:BTC-USD:1h", 1_700_000_000_000, [("rsi_extreme", False)]))
    assert signals(deployed) == []


def test_the_news_table_reads_an_archived_newsapi_answer_article_by_article(deployed, tmp_path):
    # Given one coin's NewsAPI answer archived as the news function archives it (camelCase keys and all)
    now = int(datetime.now(UTC).timestamp() * 1000)
    answer = everything(mood_articles(now - 6 * HOUR))
    key = NewsArchive(deployed.aws.client("s3"), deployed.bucket).put("BTC", now, answer)
    table = glue_tables(deployed)["news"]
    assert table.partition_values(key) == {"coin": "BTC", "date": datetime.now(UTC).strftime("%Y-%m-%d")}
    # When Athena's SQL unnests the articles
    queries = ArchiveQueries.from_stack(deployed.aws, deployed.stack.outputs, tmp_path / "archive")
    rows = queries.run(
        "SELECT coin, a.title AS title, a.publishedat AS published, a.source.name AS outlet "
        "FROM news CROSS JOIN UNNEST(articles) AS t(a) WHERE coin = 'BTC' ORDER BY published"
    )
    # Then every article comes back with its title, time and outlet
    expected = sorted(answer["articles"], key=lambda a: a["publishedAt"])
    assert [r["title"] for r in rows] == [a["title"] for a in expected]
    assert [r["published"] for r in rows] == [a["publishedAt"] for a in expected]
    assert [r["outlet"] for r in rows] == [a["source"]["name"] for a in expected]

"""Old model versions deleted by the training run, against the embedded S3 (moto): what stays, and a failing delete.

The run is the real one (:func:`~crypto_advisor.training.service.run_training`) over the real
:class:`~crypto_advisor.adapters.model_store.ModelStore`; the forecaster is the unit tests' fake, whose stand-in
artifacts the bundle codec here writes as a few bytes (the store's keys are under test, not the models).
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from crypto_advisor.adapters.model_store import DELETE_BATCH, VERSION_RETENTION_DAYS, ModelStore
from crypto_advisor.contracts.archive_keys import model_bundle_key, model_latest_key, model_series_prefix
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.bundle_codec import ForecastBundles
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.local.stack import EmbeddedAws
from crypto_advisor.telemetry.observability import logger
from crypto_advisor.telemetry.training import record
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import REPLAY_WARMUP, SeriesTraining, TrainingReport, run_training
from tests.fakes.training import FakeArchive, FakeForecaster, FakeReplayStats

BTC = Series.parse("kraken:BTC-USD:1h")
WATCHLIST = parse_watchlist("defaults: {timeframe: 1h}\nseries:\n  - {source: kraken, symbol: BTC/USD}\n")
T0 = 1_735_689_600_000
#: The fake forecaster scores fewer trees worse: the gate keeps the served GOOD model over a WORSE refit.
GOOD = ForecastConfig()
WORSE = replace(GOOD, rf_trees=3)
_buckets = itertools.count(1)


class StandInBundles(ForecastBundles):
    """The forecast codec, with the fake forecaster's stand-in artifacts and cards written as a few bytes."""

    def bundle_bytes(self, artifacts: Any) -> bytes:
        return b"stand-in bundle"

    def cards_text(self, cards: Sequence[Any]) -> str:
        return f"{len(cards)} cards"


class RefusedDeletes:
    """An S3 client whose DeleteObjects is refused (AccessDenied); every other call reaches the embedded S3."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def delete_objects(self, **_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "DeleteObjects")


class CountedDeletes(RefusedDeletes):
    """An S3 client that records how many keys each DeleteObjects names, and passes it on."""

    def __init__(self, s3: Any) -> None:
        super().__init__(s3)
        self.batches: list[int] = []

    def delete_objects(self, **params: Any) -> dict[str, Any]:
        self.batches.append(len(params["Delete"]["Objects"]))
        return self._s3.delete_objects(**params)


@pytest.fixture
def s3(aws: EmbeddedAws) -> Any:
    return aws.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"pruned-models-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    return name


def candles(count: int) -> list[Candle]:
    return [Candle(T0 + i * HOUR_MS, 100.0, 101.0, 99.0, 100.0, 10.0) for i in range(count)]


def train(store: ModelStore, now_ms: int, config: ForecastConfig) -> SeriesTraining:
    """One training run of BTC at ``now_ms`` through ``store`` (a history too short for the replay, which is not
    under test and would take seconds a run)."""
    history = candles(REPLAY_WARMUP)
    ports = Ports(FakeArchive({BTC.key: history}), FakeReplayStats(), store, FakeForecaster(min_candles=len(history)))
    [item] = run_training(WATCHLIST, now_ms=now_ms, config=config, rules=[], ports=ports).series
    return item


def stored_versions(s3: Any, bucket: str) -> list[int]:
    """The versions whose bundle is in the bucket, oldest first."""
    prefix = model_series_prefix(BTC)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return sorted(int(k[len(prefix) :].split("/")[0][2:]) for k in keys if k.endswith("/bundle.npz"))


def test_daily_runs_keep_the_served_version_the_new_one_and_the_last_14_days(s3, bucket: str) -> None:
    # Given 20 daily runs: the first three promoted, the 17 after them refused by the gate (a worse configuration),
    # so the pointer stays at day 2
    store = ModelStore(s3, bucket, StandInBundles())
    days = [T0 + d * DAY_MS for d in range(20)]
    for d, now in enumerate(days):
        item = train(store, now, GOOD if d < 3 else WORSE)
        assert item.status == "trained", item.error
    # Then the served version, the new one and those of the last 14 days are all that remain
    pointer = store.latest_pointer(BTC)
    assert pointer is not None and pointer["version"] == str(days[2])
    assert VERSION_RETENTION_DAYS == 14
    assert stored_versions(s3, bucket) == [days[2], *days[19 - 14 :]]
    # And each remaining version is whole (bundle, cards, text), and the served one still loads its bundle
    for version in stored_versions(s3, bucket):
        for name in ("bundle.npz", "cards.json", "cards.txt"):
            key = model_bundle_key(BTC, str(version)).replace("bundle.npz", name)
            s3.head_object(Bucket=bucket, Key=key)
    assert s3.get_object(Bucket=bucket, Key=pointer["bundle_key"])["Body"].read() == b"stand-in bundle"
    s3.head_object(Bucket=bucket, Key=model_latest_key(BTC))


def test_a_refused_delete_is_logged_and_the_run_still_trains_and_serves_the_new_version(s3, bucket: str) -> None:
    # Given a version from a month ago, and S3 refusing every delete
    old = T0 - 30 * DAY_MS
    s3.put_object(Bucket=bucket, Key=model_bundle_key(BTC, str(old)), Body=b"old")
    store = ModelStore(RefusedDeletes(s3), bucket, StandInBundles())
    # When the series is trained
    item = train(store, T0, GOOD)
    # Then the run is a success: the new version is written and served, the old one stays
    assert (item.status, item.error, item.pointer) == ("trained", None, "moved")
    assert (store.latest_pointer(BTC) or {}).get("version") == str(T0)
    assert stored_versions(s3, bucket) == [old, T0]
    # And the failure is reported with S3's answer, and logged with the series
    assert item.prune_error is not None and "AccessDenied" in item.prune_error and item.pruned == []
    out = io.StringIO()
    stream = logger.registered_handler.setStream(out)  # type: ignore[attr-defined]
    try:
        record(TrainingReport(now_ms=T0, config=None, series=[item]))
    finally:
        logger.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    [line] = [json.loads(x) for x in out.getvalue().splitlines() if "not deleted" in x]
    assert line["series"] == BTC.key and "AccessDenied" in line["reason"] and line["level"] == "WARNING"


def test_over_a_thousand_old_keys_go_in_deletes_of_at_most_a_thousand(s3, bucket: str) -> None:
    # Given 340 versions older than the retention (1,020 keys), beside today's version
    client = CountedDeletes(s3)
    store = ModelStore(client, bucket, StandInBundles())
    now = T0 + 500 * DAY_MS
    for day in range(340):
        for name in ("bundle.npz", "cards.json", "cards.txt"):
            key = model_bundle_key(BTC, str(T0 + day * DAY_MS)).replace("bundle.npz", name)
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key=model_bundle_key(BTC, str(now)), Body=b"new")
    # When they are pruned
    pruned = store.prune_versions(BTC, keep=str(now), now_ms=now)
    # Then every old version went, in requests S3 accepts, and today's stays
    assert pruned == [str(T0 + day * DAY_MS) for day in range(340)]
    assert client.batches == [DELETE_BATCH, 20]
    assert stored_versions(s3, bucket) == [now]


def test_a_pointer_that_cannot_be_read_deletes_nothing(s3, bucket: str) -> None:
    # Given an old version and a pointer that is not JSON: which version is served cannot be known
    old = T0 - 30 * DAY_MS
    s3.put_object(Bucket=bucket, Key=model_bundle_key(BTC, str(old)), Body=b"old")
    s3.put_object(Bucket=bucket, Key=model_latest_key(BTC), Body=b"{oops")
    # When pruned, then nothing is deleted and the error names the pointer
    with pytest.raises(StorageError, match=r"latest\.json is not JSON"):
        ModelStore(s3, bucket, StandInBundles()).prune_versions(BTC, keep=str(T0), now_ms=T0)
    assert stored_versions(s3, bucket) == [old]

"""ModelStore against the embedded S3: versions, the latest pointer, loading, and the per-container cache."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch

from crypto_advisor.adapters.model_store import CachedModels, ModelStore
from crypto_advisor.contracts.archive_keys import model_latest_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import CorruptObjectError, StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.bundle_codec import ForecastBundles
from crypto_advisor.forecast.card import ModelCard, verdict_loss
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.forecast.predict import predict
from crypto_advisor.forecast.train import train_series
from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.local.stack import EmbeddedAws
from crypto_advisor.wiring.models import model_store

torch.set_num_threads(1)

SERIES = Series.parse("kraken:BTC-USD:1h")
HOUR = 3_600_000
#: Small on purpose: the store is under test, not the models.
TINY = ForecastConfig(horizon=6, folds=2, lstm_epochs=1, rf_trees=5, lstm_hidden=4, lstm_window=8)
_buckets = itertools.count(1)


def simulated(count: int) -> list[Candle]:
    market = SimulatedMarket()
    rows = market.hourly("BTC-USD", market.epoch_ms + (count - 1) * HOUR)
    return [Candle(int(r[0]), *map(float, r[1:])) for r in rows]


@pytest.fixture(scope="module")
def candles() -> list[Candle]:
    return simulated(900)


@pytest.fixture(scope="module")
def trained(candles: list[Candle]) -> tuple[list[ModelCard], Artifacts]:
    return train_series(candles, TINY, series=SERIES.key)


@pytest.fixture
def s3(aws: EmbeddedAws):
    return aws.client("s3")


@pytest.fixture
def bucket(s3) -> str:
    name = f"models-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    return name


def test_a_series_without_a_pointer_has_no_model(s3, bucket: str) -> None:
    store = model_store(s3, bucket)
    assert store.latest_pointer(SERIES) is None
    assert store.load_latest(SERIES) is None


def test_a_written_version_is_not_served_until_the_pointer_moves(s3, bucket: str, trained) -> None:
    # Given a version written to S3
    cards, artifacts = trained
    store = model_store(s3, bucket)
    version = store.write_version(SERIES, 1_750_000_000_000, artifacts, cards, TINY)
    # Then its objects are where the layout says, and nothing is served yet
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    prefix = "models/source=kraken/symbol=BTC-USD/timeframe=1h/v=1750000000000/"
    assert keys == {prefix + "bundle.npz", prefix + "cards.json", prefix + "cards.txt"}
    assert "verdict:" in s3.get_object(Bucket=bucket, Key=prefix + "cards.txt")["Body"].read().decode()
    assert store.load_latest(SERIES) is None
    assert [c.model for c in store.read_cards(SERIES, version.version)] == [c.model for c in cards]


def test_the_bundle_round_trips_through_s3_and_predicts(s3, bucket: str, trained, candles: list[Candle]) -> None:
    # Given a version written and promoted
    cards, artifacts = trained
    store = model_store(s3, bucket)
    version = store.write_version(SERIES, 1_750_000_000_000, artifacts, cards, TINY)
    store.move_latest(SERIES, version)
    # When it is loaded back
    loaded = store.load_latest(SERIES)
    # Then it is the same model: same pointer fields, same arrays, same predictions
    assert loaded is not None
    assert loaded.version == "1750000000000" and loaded.trained_at == 1_750_000_000_000
    assert loaded.cards == cards
    np.testing.assert_array_equal(loaded.artifacts.forest.threshold, artifacts.forest.threshold)
    assert loaded.artifacts.config == TINY
    pointer = store.latest_pointer(SERIES)
    assert pointer is not None
    assert pointer["config"] == TINY.as_dict()
    assert pointer["losses"] == {c.model: verdict_loss(c) for c in cards}
    window = candles[-720:]
    assert predict(loaded.artifacts, window) == predict(artifacts, window)
    assert predict(loaded.artifacts, window)


def test_a_pointer_to_a_missing_or_corrupt_bundle_is_a_storage_error_naming_the_key(s3, bucket: str, trained) -> None:
    cards, artifacts = trained
    store = model_store(s3, bucket)
    version = store.write_version(SERIES, 1_750_000_000_000, artifacts, cards, TINY)
    store.move_latest(SERIES, version)
    s3.put_object(Bucket=bucket, Key=version.bundle_key, Body=b"not a bundle")
    with pytest.raises(StorageError, match=r"bundle\.npz cannot be read"):
        store.load_latest(SERIES)
    s3.delete_object(Bucket=bucket, Key=version.bundle_key)
    with pytest.raises(StorageError, match=r"v=1750000000000/bundle\.npz is missing"):
        store.load_latest(SERIES)


@pytest.mark.parametrize(
    ("body", "says"), [(b"{oops", r"latest\.json is not JSON"), (b'{"version": "1"}', r"is not a model pointer")]
)
def test_a_pointer_that_is_not_a_pointer_is_a_corrupt_object(s3, bucket: str, body: bytes, says: str) -> None:
    # A StorageError to the callers that only report; corrupt, to the training run that replaces it
    s3.put_object(Bucket=bucket, Key=model_latest_key(SERIES), Body=body)
    with pytest.raises(CorruptObjectError, match=says):
        model_store(s3, bucket).latest_pointer(SERIES)
    assert issubclass(CorruptObjectError, StorageError)


class CountingStore(ModelStore):
    """The real store, counting what it reads."""

    def __init__(self, s3, bucket: str) -> None:
        super().__init__(s3, bucket, ForecastBundles())
        self.pointer_reads = 0
        self.bundle_reads = 0

    def latest_pointer(self, series: Series):
        self.pointer_reads += 1
        return super().latest_pointer(series)

    def load_pointer(self, pointer):
        self.bundle_reads += 1
        return super().load_pointer(pointer)


def test_the_cache_loads_once_rereads_the_pointer_after_the_ttl_and_reloads_only_a_new_version(
    s3, bucket: str, trained
) -> None:
    # Given one promoted version and a cache with a one-hour TTL
    cards, artifacts = trained
    store = CountingStore(s3, bucket)
    store.move_latest(SERIES, store.write_version(SERIES, 1_000, artifacts, cards, TINY))
    cache = CachedModels(store, ttl_ms=HOUR, clock=lambda: 0)
    # When asked twice within the hour: one pointer read, one bundle read
    first = cache.get(SERIES, now_ms=0)
    assert cache.get(SERIES, now_ms=HOUR - 1) is first
    assert (store.pointer_reads, store.bundle_reads) == (1, 1)
    # After the hour, an unchanged pointer costs only the pointer
    assert cache.get(SERIES, now_ms=HOUR) is first
    assert (store.pointer_reads, store.bundle_reads) == (2, 1)
    # A moved pointer loads the new bundle at the next refresh
    store.move_latest(SERIES, store.write_version(SERIES, 2_000, artifacts, cards, TINY))
    assert cache.get(SERIES, now_ms=HOUR + 1) is first
    second = cache.get(SERIES, now_ms=2 * HOUR)
    assert second is not None and second.version == "2000"
    assert (store.pointer_reads, store.bundle_reads) == (3, 2)


def test_the_cache_remembers_no_model_and_keeps_serving_when_a_refresh_fails(s3, bucket: str, trained) -> None:
    cards, artifacts = trained
    store = CountingStore(s3, bucket)
    cache = CachedModels(store, ttl_ms=HOUR, clock=lambda: 0)
    assert cache.get(SERIES) is None
    assert cache.get(SERIES, now_ms=10) is None
    assert store.pointer_reads == 1
    # Given a served model whose pointer later turns unreadable
    version = store.write_version(SERIES, 1_000, artifacts, cards, TINY)
    store.move_latest(SERIES, version)
    served = cache.get(SERIES, now_ms=HOUR)
    assert served is not None
    s3.put_object(Bucket=bucket, Key=model_latest_key(SERIES), Body=json.dumps([1]).encode())
    # Then the cached model keeps serving and the error is kept for the caller to log
    assert cache.get(SERIES, now_ms=2 * HOUR) is served
    assert isinstance(cache.last_error, StorageError)


def _unreadable_pointer(s3, bucket: str, store: ModelStore, trained) -> None:
    s3.put_object(Bucket=bucket, Key=model_latest_key(SERIES), Body=b"not json")


def _truncated_bundle(s3, bucket: str, store: ModelStore, trained) -> None:
    """A newer version promoted whose bundle reached S3 cut short (a raw BadZipFile before issue 11)."""
    cards, artifacts = trained
    newer = store.write_version(SERIES, 2_000, artifacts, cards, TINY)
    whole = s3.get_object(Bucket=bucket, Key=newer.bundle_key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=newer.bundle_key, Body=whole[: len(whole) // 2])
    store.move_latest(SERIES, newer)


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [(_unreadable_pointer, "latest.json is not JSON"), (_truncated_bundle, "v=2000/bundle.npz cannot be read")],
    ids=["pointer-not-json", "bundle-truncated"],
)
def test_a_failed_refresh_keeps_the_cached_model_and_is_reported_with_its_series(
    s3, bucket: str, trained, breakage, reason: str
) -> None:
    # Given a cache that reports stale serving, over a served model whose next refresh cannot be read
    cards, artifacts = trained
    store = model_store(s3, bucket)
    reported: list[tuple[str, StorageError]] = []
    cache = CachedModels(store, ttl_ms=HOUR, clock=lambda: 0, on_stale=lambda s, e: reported.append((s.key, e)))
    store.move_latest(SERIES, store.write_version(SERIES, 1_000, artifacts, cards, TINY))
    served = cache.get(SERIES, now_ms=0)
    breakage(s3, bucket, store, trained)
    # When the TTL passes and the pointer is read again
    # Then the cached model keeps serving, and the caller hears of it once, as the store's own error, with the series
    assert cache.get(SERIES, now_ms=HOUR) is served
    assert [key for key, _ in reported] == [SERIES.key]
    assert reason in str(reported[0][1])

"""The watchlist object in a versioned bucket: written only over the version read (S3's ``If-Match`` on its ETag)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.adapters.watchlist_object import WatchlistObject
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.steering import WatchlistChanged, WatchlistText

URI = "s3://archive/config/watchlist.yaml"
ONE = "series:\n  - {source: kraken, symbol: BTC/USD}\n"
TWO = ONE + "  - {source: kraken, symbol: ETH/USD}\n"
THREE = ONE + "  - {source: kraken, symbol: SOL/USD}\n"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="archive")
        client.put_bucket_versioning(Bucket="archive", VersioningConfiguration={"Status": "Enabled"})
        client.put_object(Bucket="archive", Key="config/watchlist.yaml", Body=ONE.encode())
        yield client


def versions(s3: Any) -> list[str]:
    listed = s3.list_object_versions(Bucket="archive", Prefix="config/watchlist.yaml")["Versions"]
    return [v["VersionId"] for v in listed]


def test_a_read_carries_the_version_and_etag_a_write_replaces(s3):
    read = WatchlistObject(URI, s3).read()
    head = s3.head_object(Bucket="archive", Key="config/watchlist.yaml")
    assert (read.text, read.version, read.etag) == (ONE, head["VersionId"], head["ETag"])


def test_a_write_over_the_version_read_is_a_new_version(s3):
    watchlist = WatchlistObject(URI, s3)
    before = watchlist.read()
    version = watchlist.write(TWO, replacing=before)
    assert watchlist.read() == WatchlistText(TWO, version, watchlist.read().etag)
    assert len(versions(s3)) == 2 and version != before.version


def test_a_write_over_a_version_another_edit_replaced_raises_watchlist_changed_and_writes_nothing(s3):
    # Given two edits that read the same version, and the first one written
    first, second = WatchlistObject(URI, s3), WatchlistObject(URI, s3)
    read_by_first, read_by_second = first.read(), second.read()
    first.write(TWO, replacing=read_by_first)
    # When the second writes over what it read
    with pytest.raises(WatchlistChanged, match=r"s3://archive/config/watchlist\.yaml changed since version"):
        second.write(THREE, replacing=read_by_second)
    # Then the first edit is what the object holds, and no version was added
    assert first.read().text == TWO and len(versions(s3)) == 2


def test_a_text_read_without_its_etag_is_not_written_blind(s3):
    watchlist = WatchlistObject(URI, s3)
    with pytest.raises(StorageError, match="read without its ETag"):
        watchlist.write(TWO, replacing=WatchlistText(ONE, None))
    assert watchlist.read().text == ONE and len(versions(s3)) == 1


def test_a_bundled_watchlist_is_still_not_written(tmp_path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(ONE)
    watchlist = WatchlistObject(path.as_uri(), s3_client=None)
    read = watchlist.read()
    assert (read.text, read.version, read.etag) == (ONE, None, None)
    with pytest.raises(StorageError, match="bundled with the deployment"):
        watchlist.write(TWO, replacing=read)

"""Fixtures for driving the real ccxt and pycoingecko clients through recorded answers, and an embedded S3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from moto import mock_aws


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Every HTTP request made through ``requests`` is answered from what the test registers.

    A request nothing was registered for fails with ``ConnectionError``: no test can reach the network.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class FakeClock:
    """A monotonic clock that moves only when something sleeps on it (or the test advances it)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def s3() -> Iterator[Any]:
    """An embedded S3 (moto) with the ``archive`` bucket, for the adapters that read the watchlist object."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="archive")
        yield client

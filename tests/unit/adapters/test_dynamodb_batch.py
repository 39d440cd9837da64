"""BatchGetItem's unprocessed keys: asked again a few times with backoff, never in a tight loop without end.

A throttled table answers a BatchGetItem with HTTP 200 and part of the keys in ``UnprocessedKeys``. moto never
throttles, so these tests take its real answers and move keys into ``UnprocessedKeys`` on the client's
``after-call`` event, as a throttled table would leave them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from crypto_advisor.adapters.candle_store import CandleStore
from crypto_advisor.adapters.dynamodb_batch import FIRST_BACKOFF_S, UNPROCESSED_ROUNDS
from crypto_advisor.adapters.news_summary import NewsSummaries
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from tests.unit.adapters.test_consistent_reads import _table

SERIES = [Series.parse(f"kraken:C{i}-USD:1h") for i in range(5)]
TS = 1_793_394_000_000


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name="us-east-1")


def throttle(table: Any, *, answers: int) -> list[dict[str, Any]]:
    """The table's next ``answers`` BatchGetItem answers serve only the first key asked and leave the others
    unprocessed; every request's ``RequestItems`` from now on."""
    asked: list[dict[str, Any]] = []

    def before(params: dict[str, Any], **_: Any) -> None:
        asked.append(params["RequestItems"])

    def after(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name != "BatchGetItem" or len(asked) > answers:
            return
        for name, request in asked[-1].items():
            first, *left = request["Keys"]
            served = [i for i in parsed["Responses"].get(name, []) if all(i.get(k, v) == v for k, v in first.items())]
            parsed["Responses"][name] = served
            if left:
                parsed.setdefault("UnprocessedKeys", {})[name] = {**request, "Keys": left}

    client = table.meta.client
    client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", before)
    # Last of the service's own after-call handlers: after boto3 has turned the answer into Python values
    client.meta.events.register_last("after-call.dynamodb", after)
    return asked


def key_counts(asked: list[dict[str, Any]]) -> list[int]:
    """How many keys each request asked for."""
    return [sum(len(table["Keys"]) for table in request.values()) for request in asked]


def test_unprocessed_cursors_are_asked_again_with_backoff_and_a_bounded_number_of_times(dynamodb):
    # Given five cursors, and a table that serves one key per answer for its next four answers
    table = _table(dynamodb, "CandlesTable")
    waits: list[float] = []
    store = CandleStore(table, hot_window=0, sleep=waits.append)
    for i, series in enumerate(SERIES):
        store.set_cursor(series, TS + i, updated_at=TS)
    asked = throttle(table, answers=UNPROCESSED_ROUNDS + 1)
    # When the cursors are read, the run fails naming the throttling: a cursor not read is not "never ingested"
    with pytest.raises(StorageError, match=r"DynamoDB left 1 unprocessed after 3 more rounds with backoff"):
        store.cursors(SERIES)
    # Then it asked four times (the request and 3 rounds), waiting 50, 100 and 200 ms between, never more
    assert key_counts(asked) == [5, 4, 3, 2]
    assert waits == [FIRST_BACKOFF_S, 2 * FIRST_BACKOFF_S, 4 * FIRST_BACKOFF_S]


def test_cursors_served_within_the_rounds_are_all_read(dynamodb):
    # Given the same cursors, and a table throttled for its next two answers only
    table = _table(dynamodb, "CandlesTable")
    store = CandleStore(table, hot_window=0, sleep=lambda _: None)
    for i, series in enumerate(SERIES):
        store.set_cursor(series, TS + i, updated_at=TS)
    asked = throttle(table, answers=2)
    # Then every cursor is read, with its own value, in three requests
    assert store.cursors(SERIES) == {s.key: TS + i for i, s in enumerate(SERIES)}
    assert key_counts(asked) == [5, 4, 3]


def test_news_summaries_still_unprocessed_are_left_for_each_coins_own_query(dynamodb):
    # Given five coins' summaries, and a News table that serves one key per answer for longer than the rounds
    table = _table(dynamodb, "NewsTable")
    summaries = NewsSummaries(table, sleep=lambda _: None)
    coins = ["ADA", "BTC", "ETH", "SOL", "XRP"]
    for coin in coins:
        summaries.write(coin, [], from_ms=TS, now_ms=TS)
    asked = throttle(table, answers=10)
    # When they are read: the request and 3 rounds serve four, and no more requests are made
    read = summaries.read(coins)
    assert len(read) == 1 + UNPROCESSED_ROUNDS and key_counts(asked) == [5, 4, 3, 2]
    # and the coin never served is absent: the reader falls back to its Query
    assert set(coins) - set(read) == {"XRP"}


def throttle_writes(table: Any, *, answers: int) -> list[dict[str, Any]]:
    """The table's next ``answers`` BatchWriteItem answers leave all but the first item unprocessed (moto wrote them;
    writing them again is the same item); every call's ``RequestItems`` from now on."""
    requests: list[dict[str, Any]] = []

    def before(params: dict[str, Any], **_: Any) -> None:
        requests.append(params["RequestItems"])

    def after(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name != "BatchWriteItem" or len(requests) > answers:
            return
        parsed["UnprocessedItems"] = {name: rest for name, (_, *rest) in requests[-1].items() if rest}

    client = table.meta.client
    client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", before)
    client.meta.events.register_last("after-call.dynamodb", after)
    return requests


def item_counts(requests: list[dict[str, Any]]) -> list[int]:
    """How many items each BatchWriteItem call sent."""
    return [sum(len(items) for items in request.values()) for request in requests]


def candles(count: int) -> list[Candle]:
    return [Candle(TS + i * 3_600_000, 1.0, 1.0, 1.0, 1.0, 1.0) for i in range(count)]


def test_unprocessed_candles_are_written_again_with_backoff_and_a_write_still_refused_fails(dynamodb):
    # Given a Candles table that leaves all but one item of each of its next four answers unprocessed
    table = _table(dynamodb, "CandlesTable")
    waits: list[float] = []
    store = CandleStore(table, hot_window=0, sleep=waits.append)
    sent = throttle_writes(table, answers=UNPROCESSED_ROUNDS + 1)
    # When five candles are written, the write fails naming the throttling (the cursor stays, the next run retries)
    with pytest.raises(StorageError, match=r"writing 5 candles of kraken:C0-USD:1h: DynamoDB left 1 unprocessed"):
        store.put(SERIES[0], candles(5))
    # Then it sent four calls (the batch and 3 rounds of what was left), with backoff between, never more
    assert item_counts(sent) == [5, 4, 3, 2] and waits == [FIRST_BACKOFF_S, 2 * FIRST_BACKOFF_S, 4 * FIRST_BACKOFF_S]


def test_candles_written_within_the_rounds_are_stored_once_each(dynamodb):
    # Given a table throttled for its next two answers, and a candle given twice (the later one wins)
    table = _table(dynamodb, "CandlesTable")
    store = CandleStore(table, hot_window=0, sleep=lambda _: None)
    sent = throttle_writes(table, answers=2)
    given = [*candles(30), Candle(TS, 2.0, 2.0, 2.0, 2.0, 2.0)]
    store.put(SERIES[0], given)
    # Then 30 candles are stored, the first one as given last, in calls of at most 25
    stored = store.window(SERIES[0])
    assert len(stored) == 30 and stored[0].close == 2.0
    assert item_counts(sent)[:2] == [25, 24] and max(item_counts(sent)) <= 25


def test_a_write_refused_after_its_rounds_sends_nothing_more_to_the_throttled_table(dynamodb):
    # Given 60 candles (three calls of 25, 25, 10) and a table refusing all but one item of every answer
    table = _table(dynamodb, "CandlesTable")
    store = CandleStore(table, hot_window=0, sleep=lambda _: None)
    sent = throttle_writes(table, answers=100)
    # When they are written, the first call's rounds end with 21 unprocessed and the write stops there
    with pytest.raises(StorageError, match=r"writing 60 candles of kraken:C0-USD:1h: DynamoDB left 56 unprocessed"):
        store.put(SERIES[0], candles(60))
    # Then only the first call and its rounds were sent: 21 left of it, and the 35 never sent
    assert item_counts(sent) == [25, 24, 23, 22]

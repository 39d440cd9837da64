"""What a warm DashboardFunction keeps between requests, and when it reads again (dashboard/read_cache.py)."""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.series import Series
from crypto_advisor.dashboard.read_cache import HeldCandles, HeldSignals, Memo, remembered

BTC = Series.of("kraken", "BTC/USD", "1h")
HOUR = 3_600_000


def candle(i: int) -> Candle:
    return Candle(i * HOUR, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0)


class Table:
    """The Candles table: candles stored, a cursor, and every read counted."""

    def __init__(self, n: int) -> None:
        self.candles = [candle(i) for i in range(1, n + 1)]
        self.cursor = self.candles[-1].ts
        self.reads: list[int] = []

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        self.reads.append(since_ts)
        return [c for c in self.candles if c.ts >= since_ts]

    def cursors(self, series):
        return {s.key: self.cursor for s in series}

    def store(self, c: Candle) -> None:
        self.candles.append(c)
        self.cursor = c.ts


def test_unmoved_cursor_is_served_from_memory_and_a_moved_one_reads_only_the_newer_candles():
    # Given a series read once
    table = Table(100)
    held = HeldCandles(table)
    first = held.window(BTC, since_ts=10 * HOUR)
    # When it is asked again with the cursor unmoved, then with one new candle stored
    again = held.window(BTC, since_ts=20 * HOUR)
    table.store(candle(101))
    after = held.window(BTC, since_ts=20 * HOUR)
    # Then the second read cost nothing, the third asked only for what follows the newest held candle
    assert first == table.candles[9:100]
    assert again == table.candles[19:100]
    assert after == table.candles[19:101]
    assert table.reads == [10 * HOUR, 100 * HOUR + 1]


def test_a_window_reaching_further_back_than_held_is_read_whole():
    table = Table(50)
    held = HeldCandles(table)
    held.window(BTC, since_ts=30 * HOUR)
    assert held.window(BTC, since_ts=5 * HOUR) == table.candles[4:]
    assert table.reads == [30 * HOUR, 5 * HOUR]


class SignalSource:
    def __init__(self) -> None:
        self.latest_reads = 0
        self.newest: object | None = None

    def latest(self, series: str, until_ts: int):
        self.latest_reads += 1
        return self.newest

    def between(self, series, since_ts, until_ts):
        return []

    def at(self, series, candle_ts):
        return None


class Sig:
    def __init__(self, ts: int) -> None:
        self.candle_ts = ts


def test_newest_signal_is_kept_only_once_it_is_the_cursors_candles():
    # Given the analysis has not yet stored the signal of the cursor's candle
    source = SignalSource()
    source.newest = Sig(9 * HOUR)
    signals = HeldSignals(source, Memo(lambda: 0.0))  # type: ignore[arg-type]
    # When the page asks twice, then again after the signal was stored
    signals.latest("k", 10 * HOUR)
    signals.latest("k", 10 * HOUR)
    source.newest = Sig(10 * HOUR)
    found = [signals.latest("k", 10 * HOUR) for _ in range(3)]
    # Then it read until the cursor's signal was there, and not after
    assert [s.candle_ts for s in found] == [10 * HOUR] * 3
    assert source.latest_reads == 3


def test_memo_reads_again_after_its_time_and_never_keeps_a_failure():
    now = [0.0]
    memo = Memo(lambda: now[0], ttl_s=30)
    answers = iter([1, 2])
    assert memo("k", lambda: next(answers)) == 1
    now[0] = 29.9
    assert memo("k", lambda: next(answers)) == 1
    now[0] = 30.0
    assert memo("k", lambda: next(answers)) == 2

    def fail() -> int:
        raise StorageError("down")

    with pytest.raises(StorageError):
        memo("other", fail)
    assert memo("other", lambda: 3) == 3


def test_remembered_store_keeps_each_methods_answers_by_arguments():
    class Store:
        calls = 0

        def read(self, key: str, *, limit: int) -> str:
            Store.calls += 1
            return f"{key}:{limit}"

    store = remembered(Store(), Memo(lambda: 0.0))
    assert [store.read("a", limit=1), store.read("a", limit=1), store.read("a", limit=2)] == ["a:1", "a:1", "a:2"]
    assert Store.calls == 2


def test_an_answer_built_from_memoised_parts_is_no_fresher_than_its_oldest_part():
    # Given a part read at t=0 and an answer built from it at t=20
    now = [0.0]
    memo = Memo(lambda: now[0], ttl_s=30)
    reads = {"part": 0, "answer": 0}

    def part() -> int:
        reads["part"] += 1
        return reads["part"]

    def answer() -> int:
        reads["answer"] += 1
        return memo("part", part) * 10

    memo("part", part)
    now[0] = 20.0
    assert memo("answer", answer) == 10
    # When it is asked again while the part is fresh, then once the part has expired
    now[0] = 29.0
    assert memo("answer", answer) == 10
    now[0] = 30.0
    # Then the answer was built again with the part read again (not kept 30 s from t=20)
    assert memo("answer", answer) == 20
    assert reads == {"part": 2, "answer": 2}


def test_an_answer_its_keep_test_refuses_is_not_kept_nor_is_one_built_from_it():
    memo = Memo(lambda: 0.0)
    built: list[str] = []

    def noted() -> str:
        built.append("noted")
        return "part unreadable"

    def page() -> str:
        built.append("page")
        return memo("part", noted, keep=lambda a: "unreadable" not in a) + "!"

    assert memo("page", page) == memo("page", page) == "part unreadable!"
    assert built == ["page", "noted", "page", "noted"]

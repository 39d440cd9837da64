"""A warm DashboardFunction's overview and series page: kept while nothing they show has changed, built again when
a cursor moves or their memoised parts expire (dashboard/read_cache.py's freshness rules on whole answers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.dashboard.read_cache import HeldCandles, HeldSignals, Memo, remembered
from crypto_advisor.dashboard.service import Dashboard

HOUR = 3_600_000
START = 1_790_000_000_000 // HOUR * HOUR
WATCHLIST = parse_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
BTC = "kraken:BTC-USD:1h"


class Table:
    """The Candles table: a cursor, the candles up to it, and every candle read counted."""

    def __init__(self, n: int) -> None:
        self.candles = [self.candle(i) for i in range(n)]
        self.read = 0

    @staticmethod
    def candle(i: int) -> Candle:
        return Candle(START + i * HOUR, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 10.0)

    def publish(self) -> None:
        self.candles.append(self.candle(len(self.candles)))

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        found = [c for c in self.candles if c.ts >= since_ts]
        self.read += len(found)
        return found

    def cursors(self, series: Sequence[Series]) -> dict[str, int | None]:
        return {s.key: self.candles[-1].ts for s in series}


class Nothing:
    """Every other store, empty, counting the decision reads."""

    def __init__(self) -> None:
        self.decision_reads = 0

    def latest(self, series: str, until_ts: int) -> None:
        return None

    def between(self, series: str, since_ts: int, until_ts: int) -> list[Any]:
        return []

    def at(self, series: str, candle_ts: int) -> None:
        return None

    def page(self, key: str, *, before_ts: int, limit: int) -> list[Any]:
        self.decision_reads += 1
        return []

    def get(self, key: str, candle_ts: int) -> None:
        return None

    def read(self, series: Any) -> Any:
        return None if isinstance(series, Series) else []

    def served_cards(self, series: Series) -> tuple[Sequence[Any], None]:
        return (), None

    def recent(self, coin: str, since_ms: int, until_ms: int) -> list[Any]:
        return []


def dashboard(table: Table, stores: Nothing, now_s: list[float]) -> Dashboard:
    memo = Memo(lambda: now_s[0])
    return Dashboard(
        watchlist=lambda: WATCHLIST,
        candles=HeldCandles(table),
        signals=HeldSignals(stores, memo),  # type: ignore[arg-type]
        decisions=remembered(stores, memo),
        figures=remembered(stores, memo),
        models=remembered(stores, memo),
        ledger=remembered(stores, memo),
        news=remembered(stores, memo),
        clock_ms=lambda: START + 1_000 * HOUR + int(now_s[0] * 1000),
        memo=memo,
    )


def test_the_overview_is_kept_until_a_cursor_moves_or_its_parts_expire_and_says_when_it_was_asked():
    table, stores, now = Table(800), Nothing(), [0.0]
    board = dashboard(table, stores, now)
    first = board.overview()
    read, decisions = table.read, stores.decision_reads
    now[0] = 10.0
    again = board.overview()
    # kept: nothing read or computed again (the very rows and matrix), only the answer's time is the request's
    assert (table.read, stores.decision_reads) == (read, decisions)
    assert again.series is first.series and again.correlation is first.correlation
    assert again.generated_at == first.generated_at + 10_000
    # a new candle published: built again at once, from the one new candle
    table.publish()
    moved = board.overview()
    assert moved.series is not first.series and moved.series[0].last_ts == first.series[0].last_ts + HOUR
    assert table.read == read + 1
    # the decisions it was built from expire after 30 s: so does the answer
    now[0] = 40.0
    board.overview()
    assert stores.decision_reads > decisions


def test_the_series_page_is_kept_per_days_until_its_cursor_moves():
    table, stores, now = Table(800), Nothing(), [0.0]
    board = dashboard(table, stores, now)
    week = board.series(BTC, days=7)
    read = table.read
    assert board.series(BTC, days=7) is week and table.read == read
    assert len(board.series(BTC, days=3).candles) == 3 * 24 + 1  # from the candle 72 hours before the cursor
    table.publish()
    assert board.series(BTC, days=7).candles[-1].ts == week.candles[-1].ts + HOUR

"""The Alerts page lists a market scan's emails: they are claimed under the scan's key (``scan#USD``), not a series'."""

from __future__ import annotations

from typing import Any

import pytest

from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.market_scan import budget_key
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.dashboard.read_cache import HeldCandles, HeldSignals, Memo, remembered
from crypto_advisor.dashboard.service import Dashboard, NotFoundError
from tests.unit.dashboard.test_kept_answers import HOUR, START, Nothing, Table

WATCHLIST = parse_watchlist(
    "series:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: coingecko-markets, top: 12, vs: usd}\n"
)
BTC = "kraken:BTC-USD:1h"
SOL = "coingecko-markets:SOL-USD:1h"


class Log(Nothing):
    """The notification log: a BTC alert held back, and one scan email sent for SOL an hour later."""

    def __init__(self) -> None:
        super().__init__()
        self.by_key = {
            BTC: [Decision(BTC, START, "suppressed", rules=("rsi_oversold",), reason="cooldown")],
            "scan#USD": [
                Decision("scan#USD", START + HOUR, "sent", rules=("breakout",), subject="SOL/USD 1h: breakout")
            ],
            "market#1h": [
                Decision("market#1h", START + 2 * HOUR, "sent", subject="Market: BTC -3.9% on the 1h candle")
            ],
        }

    def page(self, key: str, *, before_ts: int, limit: int) -> list[Any]:
        self.decision_reads += 1
        return [d for d in self.by_key.get(key, []) if d.candle_ts < before_ts][:limit]


def dashboard_over(watchlist: Watchlist, stores: Log) -> Dashboard:
    """The dashboard's service over ``watchlist`` and the notification log ``stores``, every other store empty."""
    memo = Memo(lambda: 0.0)
    return Dashboard(
        watchlist=lambda: watchlist,
        candles=HeldCandles(Table(30)),
        signals=HeldSignals(stores, memo),  # type: ignore[arg-type]
        decisions=stores,  # type: ignore[arg-type]
        figures=remembered(stores, memo),
        models=remembered(stores, memo),
        ledger=remembered(stores, memo),
        news=remembered(stores, memo),
        clock_ms=lambda: START + 100 * HOUR,
        memo=memo,
    )


@pytest.fixture
def board() -> Dashboard:
    return dashboard_over(WATCHLIST, Log())


def test_the_scan_key_is_where_the_notifier_claims_its_coins_emails():
    [scan] = WATCHLIST.scans
    assert scan.scan.log_key == budget_key(SOL) == "scan#USD"


def test_the_alert_list_holds_the_scans_email_beside_the_series_decisions(board):
    page = board.alerts(limit=10)
    assert [(a.series, a.status) for a in page.alerts] == [
        ("market#1h", "sent"),
        ("scan#USD", "sent"),
        (BTC, "suppressed"),
    ]
    assert page.alerts[1].id == f"scan:USD@{START + HOUR}" and page.alerts[1].subject == "SOL/USD 1h: breakout"


def test_the_scan_can_be_the_series_filter_and_an_unwatched_key_still_cannot(board):
    assert [a.series for a in board.alerts(limit=10, series="scan#USD").alerts] == ["scan#USD"]
    with pytest.raises(NotFoundError):
        board.alerts(limit=10, series="scan#EUR")


def test_a_market_emails_key_can_be_the_series_filter_and_an_unwatched_timeframes_cannot(board):
    # The market email's page links back to the list of that timeframe's market emails
    assert [a.series for a in board.alerts(limit=10, series="market#1h").alerts] == ["market#1h"]
    with pytest.raises(NotFoundError):
        board.alerts(limit=10, series="market#4h")

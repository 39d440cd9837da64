"""The alerts list's answer names what its Series and Rule filters offer, so the Alerts page needs no GET /settings.

The page used to ask GET /settings on every load only to fill its filters (every watched series, whether or not it has
a decision yet, and every rule): a second round trip and a cold Settings path. The list is read with the watchlist
already (it names the keys to read), so the same answer carries them.
"""

from __future__ import annotations

import pytest

from crypto_advisor.analysis.rule_titles import TITLES
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.dashboard.service import Dashboard
from tests.unit.dashboard.test_scan_alerts import BTC, Log, dashboard_over

#: Two timeframes, a series without any decision (ETH 4h), a condition at the top level and one of XRP's own.
WATCHLIST = parse_watchlist(
    """
conditions:
  - {name: deep dip, when: "close < close[1] * 0.9", direction: bearish}
series:
  - {source: kraken, symbol: BTC/USD}
  - source: kraken
    symbol: XRP/USD
    conditions:
      - {name: XRP fell 3% in an hour, when: "close < close[1] * 0.97", direction: bearish}
  - {source: kraken, symbol: ETH/USD, timeframe: 4h}
  - {source: coingecko-markets, top: 12, vs: usd}
"""
)


@pytest.fixture
def board() -> Dashboard:
    return dashboard_over(WATCHLIST, Log())


def test_the_alerts_answer_offers_every_watched_series_market_email_and_scan_whatever_it_lists(board):
    # Given a watchlist whose ETH/USD 4h series has no decision yet
    # When the alerts list is read
    page = board.alerts(limit=10)
    # Then its filters offer every watched series, the market emails of both timeframes and the scan
    assert page.filters.series == [
        BTC,
        "kraken:XRP-USD:1h",
        "kraken:ETH-USD:4h",
        "market#1h",
        "market#4h",
        "scan#USD",
    ]
    assert "kraken:ETH-USD:4h" not in {a.series for a in page.alerts}


def test_the_alerts_answer_offers_every_rule_and_each_condition_once(board):
    rules = board.alerts(limit=10).filters.rules
    assert rules[: len(TITLES)] == sorted(TITLES)
    assert rules[len(TITLES) :] == ["condition:deep dip", "condition:XRP fell 3% in an hour"]


def test_a_filtered_or_older_page_still_offers_every_choice(board):
    # The page redraws its filters from whichever answer it holds: a filtered list must not narrow them
    whole = board.alerts(limit=10).filters
    assert board.alerts(limit=10, series=BTC).filters == whole
    assert board.alerts(limit=1, rule="rsi_oversold").filters == whole

"""The market scan in the watchlist: its entry, its coins found by key, and the demo key's monthly allowance."""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.market_scan import MarketScan, monthly_calls
from crypto_advisor.contracts.watchlist import SCAN_MAX_PER_WEEK, WatchlistError
from crypto_advisor.contracts.watchlist_file import parse_watchlist


def test_a_scan_entry_makes_a_scan_whose_coins_are_found_by_key_with_the_scans_budget():
    # Given a watchlist with a Kraken series and a top-250 USD scan
    watchlist = parse_watchlist(
        "series:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: coingecko-markets, top: 250, vs: usd}\n"
    )

    # Then the scan is one scan of 250 coins, one call a tick, and not a series of its own
    assert [s.scan for s in watchlist.scans] == [MarketScan(top=250, vs="USD")]
    assert watchlist.scans[0].scan.pages == 1
    assert [w.series.key for w in watchlist] == ["kraken:BTC-USD:1h"]
    # and any coin of it is found by its key, hourly, with the scan's budget (the whole scan's) and 7 days of backfill
    sol = watchlist.find("coingecko-markets:SOL-USD:1h")
    assert sol is not None and sol.alerts.max_per_week == SCAN_MAX_PER_WEEK and sol.backfill_candles == 168
    assert watchlist.find("coingecko-markets:SOL-EUR:1h") is None
    assert watchlist.find("coingecko-markets:USD:scan") is None


def test_the_top_1000_with_four_hourly_coingecko_series_fits_the_demo_key():
    # Given the README's arithmetic: 4 calls x 24 x 31 = 2,976, and 4 series x 2 calls x 744 = 5,952
    allowance, words = monthly_calls([MarketScan(top=1000, vs="USD")], ["1h"] * 4)

    # Then the month's calls are 8,928, within 10,000, and the words say how
    assert (allowance.scan_calls, allowance.series_calls, allowance.total) == (2_976, 5_952, 8_928)
    assert allowance.fits
    assert "4 call(s)/tick x 24 ticks x 31 days = 2,976" in words


def test_a_scan_over_the_monthly_allowance_is_refused_at_start_with_the_arithmetic():
    # Given a top-1000 scan and five hourly CoinGecko series
    coins = "".join(f"  - {{source: coingecko, symbol: C{i}/USD, coingecko_id: coin-{i}}}\n" for i in range(5))
    text = "series:\n  - {source: coingecko-markets, top: 1000, vs: usd}\n" + coins

    # When the watchlist is checked
    with pytest.raises(WatchlistError) as refused:
        parse_watchlist(text)

    # Then it is refused, the message doing the sum: 2,976 + 7,440 = 10,416 against 10,000
    message = str(refused.value)
    assert "exceed the demo key's monthly allowance" in message
    assert "= 2,976" in message and "5 coingecko 1h series x 2 calls x 744 candles = 7,440" in message
    assert "total 10,416 calls/month against the demo key's 10,000" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("{source: coingecko-markets, top: 1001}", "top: Input should be less than or equal to 1000"),
        ("{source: coingecko-markets, top: 0}", "top: Input should be greater than or equal to 1"),
        ("{source: coingecko-markets, vs: dollars!}", "malformed vs currency"),
        ("{source: coingecko-markets, symbol: BTC/USD}", "symbol: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_scan_entry_is_refused_naming_the_entry(entry, expected):
    # Given a scan entry with a mistake
    # When the watchlist is checked
    with pytest.raises(WatchlistError) as refused:
        parse_watchlist(f"series:\n  - {{source: kraken, symbol: BTC/USD}}\n  - {entry}\n")

    # Then the message names the entry and the mistake
    assert "series[1] (coingecko-markets" in str(refused.value)
    assert expected in str(refused.value)


def test_two_scans_of_one_currency_are_refused():
    text = "series:\n  - {source: coingecko-markets, top: 100}\n  - {source: coingecko-markets, top: 50, vs: USD}\n"
    with pytest.raises(WatchlistError, match=r"series\[1\].*a second usd scan \(first at series\[0\]\)"):
        parse_watchlist(text)

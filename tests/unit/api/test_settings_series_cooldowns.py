"""GET /settings says, per watched series, the cooldown it really waits when it differs from the top level's.

A daily series waits at least two of its candles (``AlertPolicy.on_timeframe``): under the default 6 h that is
2 days, and a page showing only "6h" would tell a trader the next daily alert can come the next day. The real
Steering behind the dashboard's resolver, as ``test_settings_series_recipients`` drives it.
"""

from __future__ import annotations

from tests.unit.api.test_settings_series_recipients import series_of

WATCHLIST = """series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, timeframe: 1d}
  - {source: kraken, symbol: SOL/USD, timeframe: 4h}
  - {source: kraken, symbol: XRP/USD, alerts: {cooldown: 12h}}
"""


def test_a_series_whose_cooldown_differs_from_the_top_levels_says_what_it_waits_and_why(monkeypatch):
    series = series_of(monkeypatch, WATCHLIST)
    cooldowns = {key: (s["cooldown"], s["cooldown_from"]) for key, s in series.items()}
    assert cooldowns == {
        # the hourly series waits the top level's 6 h: nothing of its own to say
        "kraken:BTC-USD:1h": (None, None),
        # the daily and 4h series wait two of their candles, longer than 6 h
        "kraken:ETH-USD:1d": ("2d", "two candles"),
        "kraken:SOL-USD:4h": ("8h", "two candles"),
        # and a series' own alerts.cooldown is its own
        "kraken:XRP-USD:1h": ("12h", "alerts.cooldown"),
    }


def test_a_top_level_cooldown_of_two_days_leaves_a_daily_series_nothing_of_its_own(monkeypatch):
    series = series_of(monkeypatch, "alerts: {cooldown: 2d}\n" + WATCHLIST)
    assert series["kraken:ETH-USD:1d"]["cooldown"] is None


def test_the_reason_is_the_floor_only_when_the_floor_raised_what_the_watchlist_wrote(monkeypatch):
    # Given a 4h series whose own cooldown is 8h (two of its candles, written on purpose), and a 4h and a 1d series
    # whose own 1h the floor raised, under a top level of 12h
    watchlist = """alerts: {cooldown: 12h}
series:
  - {source: kraken, symbol: BTC/USD, timeframe: 4h, alerts: {cooldown: 8h}}
  - {source: kraken, symbol: ETH/USD, timeframe: 4h, alerts: {cooldown: 1h}}
  - {source: kraken, symbol: SOL/USD, timeframe: 1d, alerts: {cooldown: 1h}}
"""
    series = series_of(monkeypatch, watchlist)
    cooldowns = {key: (s["cooldown"], s["cooldown_from"]) for key, s in series.items()}
    assert cooldowns == {
        "kraken:BTC-USD:4h": ("8h", "alerts.cooldown"),
        "kraken:ETH-USD:4h": ("8h", "two candles"),
        "kraken:SOL-USD:1d": ("2d", "two candles"),
    }

"""The watchlist names every problem in one error, the top-level sections' and each series entry's, in file order.

A user fixing a watchlist must see all of its mistakes at once, not one deploy or upload per mistake; a section that
fails must neither hide the series entries' problems nor make up problems of its own in them.
"""

from __future__ import annotations

import pytest

from crypto_advisor.contracts.series import TIMEFRAME_MS, Series
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import (
    AlertPolicy,
    DigestSettings,
    UserCondition,
    WatchedSeries,
    Watchlist,
    WatchlistError,
)
from crypto_advisor.contracts.watchlist_file import parse_watchlist

ORIGIN = "config/watchlist.yaml"
TIMEFRAMES = ", ".join(TIMEFRAME_MS)


def problems_of(text: str) -> str:
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(text, origin=ORIGIN)
    return str(caught.value)


def test_a_bad_alert_budget_does_not_hide_a_bad_series_timeframe():
    # Given a top-level budget of 0 and a series entry with a timeframe that does not exist
    text = """
alerts: {max_per_week: 0}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, timeframe: 2h}
"""

    # When it is parsed
    message = problems_of(text)

    # Then both are named, each by its path, in one error and in file order
    assert message == (
        f"{ORIGIN}: alerts.max_per_week: Input should be greater than 0; "
        f"series[1] (kraken ETH/USD 2h): timeframe: unknown timeframe '2h'; expected one of {TIMEFRAMES}"
    )


def test_a_bad_digest_time_does_not_hide_a_misspelt_source():
    # Given a digest time that is not HH:MM and a series entry whose source is misspelt
    text = """
digest: {time: '7am'}
series:
  - {source: krakn, symbol: BTC/USD}
"""

    # When it is parsed
    message = problems_of(text)

    # Then both are named, in file order
    assert message == (
        f"{ORIGIN}: digest.time: malformed time '7am'; expected HH:MM on a 24-hour clock, e.g. 07:00; "
        "series[0] (krakn BTC/USD): source: unknown source 'krakn'; expected one of kraken, coingecko, "
        "coingecko-markets"
    )


def test_three_problems_in_three_places_are_named_sections_first_each_in_file_order():
    # Given a bad digest zone, then a bad series entry, then a rule parameter that does not exist
    text = """
digest: {timezone: Mars/Olympus}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: coingecko, symbol: HYPE/USD}
rules: {rsi_oversold: {levle: 25}}
"""

    # When it is parsed
    message = problems_of(text)

    # Then all three are named with their usual words: the sections' in the order the file writes them, then the
    # entry's (as the rules' problems always came before the entries')
    assert message == (
        f"{ORIGIN}: digest.timezone: unknown time zone 'Mars/Olympus'; expected an IANA name, e.g. Europe/Berlin; "
        "rules: rule 'rsi_oversold': unknown param 'levle' (known params: level, hysteresis, lookback, enabled); "
        "series[1] (coingecko HYPE/USD): coingecko entries need coingecko_id (the coin's API id, e.g. 'bitcoin')"
    )


def test_an_entry_that_is_not_a_mapping_does_not_hide_the_other_entries():
    # Given an entry written as a bare symbol and, after it, a duplicate series
    text = """
series:
  - BTC/USD
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: eth-usd}
"""

    # When it is parsed
    message = problems_of(text)

    # Then both entries are named
    assert message == (
        f"{ORIGIN}: series[0]: Input should be a valid dictionary; "
        "series[2] (kraken eth-usd): duplicate series kraken:ETH-USD:1h (first at series[1])"
    )


def test_a_failed_default_timeframe_invents_no_duplicate():
    # Given a default timeframe that does not exist, an entry that names 1h and the same coin inheriting the default
    text = """
defaults: {timeframe: 2h}
series:
  - {source: kraken, symbol: BTC/USD, timeframe: 1h}
  - {source: kraken, symbol: BTC/USD}
"""

    # When it is parsed
    message = problems_of(text)

    # Then only the default is named: the second entry's series is unknown, not assumed to be 1h
    assert message == f"{ORIGIN}: defaults.timeframe: unknown timeframe '2h'; expected one of {TIMEFRAMES}"


def test_a_failed_defaults_section_invents_no_coingecko_allowance_problem():
    # Given daily CoinGecko series beside a top-500 scan (within the demo key's month), and a bad backfill default
    coins = "".join(f"  - {{source: coingecko, symbol: C{i}/USD, coingecko_id: c{i}}}\n" for i in range(6))
    scan = "  - {source: coingecko-markets, top: 500}\n"
    text = "defaults: {timeframe: 1d, backfill_candles: 0}\nseries:\n" + scan + coins

    # When it is parsed
    message = problems_of(text)

    # Then only the backfill is named: the series are not counted as hourly ones they were never written as
    assert message == f"{ORIGIN}: defaults.backfill_candles: Input should be greater than or equal to 1"


def test_a_failed_alerts_section_adds_nothing_to_the_entries_that_inherit_from_it():
    # Given a bad top-level recipient and entries that inherit the alerts or set some of their own
    text = """
alerts: {recipients: [not-an-address], max_per_week: 2}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, alerts: {min_severity: 3}}
"""

    # When it is parsed
    message = problems_of(text)

    # Then the recipient alone is named
    assert message == f"{ORIGIN}: alerts.recipients: not an email address: 'not-an-address'"


def test_a_valid_watchlist_parses_as_before():
    # Given a watchlist that uses every section
    text = """
defaults: {timeframe: 4h, backfill_candles: 100}
series:
  - {source: kraken, symbol: BTC/USD, alerts: {min_severity: 3, cooldown: 12h}}
  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid, timeframe: 1d, name: Hype}
rules: {rsi_oversold: {level: 25}}
alerts: {recipients: [me@example.com], max_per_week: 2}
digest: {time: "07:30", timezone: Europe/Berlin}
conditions: ["close > 1"]
"""

    # When it is parsed
    watchlist = parse_watchlist(text, origin=ORIGIN)

    # Then every section and entry is applied as written, the defaults and the top-level alerts inherited
    policy = AlertPolicy(recipients=("me@example.com",), max_per_week=2)
    condition = UserCondition(name="close > 1", expression="close > 1")
    assert watchlist == Watchlist(
        series=(
            WatchedSeries(
                series=Series.of("kraken", "BTC/USD", "4h"),
                backfill_candles=100,
                alerts=AlertPolicy(
                    recipients=("me@example.com",), min_severity=3, cooldown_ms=12 * HOUR_MS, max_per_week=2
                ),
                conditions=(condition,),
            ),
            WatchedSeries(
                series=Series.of("coingecko", "HYPE/USD", "1d"),
                backfill_candles=100,
                coingecko_id="hyperliquid",
                name="Hype",
                # the top-level policy, its 6 h cooldown raised to two of its daily candles (6 h holds back none)
                alerts=AlertPolicy(recipients=("me@example.com",), max_per_week=2, cooldown_ms=48 * HOUR_MS),
                conditions=(condition,),
                cooldown_floored=True,
            ),
        ),
        rules={"rsi_oversold": {"level": 25}},
        alerts=policy,
        digest=DigestSettings(time="07:30", timezone="Europe/Berlin"),
        conditions=(condition,),
    )

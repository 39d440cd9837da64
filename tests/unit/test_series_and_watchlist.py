"""The series contract (one string form) and the watchlist (every problem named, at once)."""

from __future__ import annotations

import pathlib
import re

import pytest

from crypto_advisor.adapters.coingecko import OHLC_REQUEST
from crypto_advisor.contracts.series import SOURCE_TIMEFRAMES, Series, SeriesError, normalize_symbol, timeframe_ms
from crypto_advisor.contracts.watchlist import WatchlistError
from crypto_advisor.contracts.watchlist_file import parse_watchlist

REPO = pathlib.Path(__file__).resolve().parents[2]


# --- Series ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "series",
    [
        Series.of("kraken", "BTC/USD", "1h"),
        Series.of("kraken", "eth-usd", "4h"),
        Series.of("coingecko", "HYPE/USD", "1d"),
        Series.of("kraken", "1INCH/EUR", "1m"),
    ],
    ids=str,
)
def test_series_key_round_trips(series):
    # Given a valid series
    # When its key is parsed back
    parsed = Series.parse(series.key)

    # Then it is the same series
    assert parsed == series


def test_series_key_is_source_symbol_timeframe_with_a_dashed_symbol():
    # Given a series written the way ccxt writes symbols
    series = Series.of("kraken", "BTC/USD", "1h")

    # When it is turned into its string form
    # Then the symbol uses a dash, so the key can stand in an S3 partition unchanged
    assert series.key == "kraken:BTC-USD:1h"
    assert str(series) == series.key
    assert (series.base, series.quote, series.pair) == ("BTC", "USD", "BTC/USD")
    assert series.timeframe_ms == 3_600_000


@pytest.mark.parametrize("written", ["BTC/USD", "btc/usd", "BTC-USD", " btc-usd ", "Btc/Usd"])
def test_normalize_symbol_writes_every_spelling_as_base_dash_quote(written):
    # Given a symbol as a person might write it
    # When it is normalized
    # Then it is BASE-QUOTE in capitals
    assert normalize_symbol(written) == "BTC-USD"


@pytest.mark.parametrize(
    "written", ["BTCUSD", "BTC/USD/EUR", "BTC_USD", "BTC/", "/USD", "", "BTC/U$D", "B" * 16 + "/USD"]
)
def test_normalize_symbol_rejects_a_malformed_symbol_quoting_it(written):
    # Given a symbol that is not BASE/QUOTE
    # When it is normalized
    # Then the error quotes what was written and shows the expected form
    with pytest.raises(SeriesError, match="malformed symbol") as caught:
        normalize_symbol(written)
    assert repr(written) in str(caught.value)
    assert "BTC/USD" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("kraken:BTC-USD", "malformed series key"),
        ("kraken:BTC-USD:1h:extra", "malformed series key"),
        ("", "malformed series key"),
        ("binance:BTC-USD:1h", "unknown source 'binance'"),
        ("kraken:BTC-USD:2h", "unknown timeframe '2h'"),
        ("kraken:BTCUSD:1h", "malformed symbol 'BTCUSD'"),
    ],
)
def test_series_parse_rejects_a_bad_key_saying_why(key, expected):
    # Given a key that does not name a usable series
    # When it is parsed
    # Then the error says which part is wrong
    with pytest.raises(SeriesError, match=expected):
        Series.parse(key)


def test_timeframe_ms_names_the_known_timeframes_when_given_an_unknown_one():
    # Given a timeframe the project does not know
    # When its length is asked for
    # Then the error lists the ones it does know
    with pytest.raises(SeriesError, match="unknown timeframe '90m'; expected one of 1m, 5m"):
        timeframe_ms("90m")


def test_series_errors_are_value_errors():
    # Given code that guards against bad input with `except ValueError`
    # When a series cannot be built
    # Then that guard catches it
    with pytest.raises(ValueError, match="unknown source"):
        Series.of("nasdaq", "BTC/USD", "1h")


# --- Watchlist: valid documents ----------------------------------------------------------


def test_watchlist_applies_the_built_in_defaults_when_none_are_given():
    # Given a watchlist with no defaults section and an entry that names no timeframe
    text = "series:\n  - {source: kraken, symbol: btc/usd}\n"

    # When it is parsed
    watchlist = parse_watchlist(text)

    # Then the entry gets 1h candles and a 720-candle backfill, with its symbol normalized
    [watched] = watchlist
    assert watched.series == Series("kraken", "BTC-USD", "1h")
    assert watched.backfill_candles == 720
    assert watched.coingecko_id is None


def test_watchlist_applies_its_own_defaults_to_entries_that_name_nothing():
    # Given defaults of 4h and 100 candles, one entry relying on them and one overriding both
    text = """
defaults: {timeframe: 4h, backfill_candles: 100}
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, timeframe: 1d, backfill_candles: 30}
"""

    # When it is parsed
    first, second = parse_watchlist(text)

    # Then the first takes the defaults and the second keeps what it says
    assert (first.series.timeframe, first.backfill_candles) == ("4h", 100)
    assert (second.series.timeframe, second.backfill_candles) == ("1d", 30)


def test_watchlist_keeps_the_coingecko_id_and_the_order_written():
    # Given a kraken entry then a coingecko entry
    text = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid}
"""

    # When it is parsed
    watchlist = parse_watchlist(text)

    # Then both are there, in order, and the coingecko entry carries its id
    assert [w.series.key for w in watchlist] == ["kraken:BTC-USD:1h", "coingecko:HYPE-USD:1h"]
    assert watchlist.series[1].coingecko_id == "hyperliquid"


def test_same_symbol_on_two_timeframes_is_two_series():
    # Given one symbol watched on 1h and on 4h
    text = "series:\n  - {source: kraken, symbol: ETH/USD}\n  - {source: kraken, symbol: ETH/USD, timeframe: 4h}\n"

    # When it is parsed
    watchlist = parse_watchlist(text)

    # Then they are not duplicates
    assert len(watchlist) == 2


@pytest.mark.parametrize("name", ["watchlist.yaml", "demo-watchlist.yaml"])
def test_the_repository_watchlists_parse(name):
    # Given a watchlist the repository ships
    path = REPO / "config" / name

    # When it is parsed
    watchlist = parse_watchlist(path.read_text(), origin=str(path))

    # Then it is usable and watches at least BTC/USD on kraken
    assert len(watchlist) >= 1
    assert "kraken:BTC-USD:1h" in [w.series.key for w in watchlist]


def test_coingecko_fetch_plan_covers_exactly_the_timeframes_coingecko_is_said_to_offer():
    # Given the timeframes the watchlist allows for coingecko and those the adapter knows how to request
    # When they are compared
    # Then they are the same, so no watchlist entry can pass validation and then fail at fetch time
    assert set(OHLC_REQUEST) == set(SOURCE_TIMEFRAMES["coingecko"])


# --- Watchlist: problems -----------------------------------------------------------------


def problems_of(text: str) -> str:
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(text, origin="config/watchlist.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(
            "{source: kraken, symbol: BTC/USD, timeframe: 2h}",
            "series[1] (kraken BTC/USD 2h): timeframe: unknown timeframe '2h'",
            id="unknown-timeframe",
        ),
        pytest.param(
            "{source: kraken, symbol: BTCUSD}",
            "series[1] (kraken BTCUSD): symbol: malformed symbol 'BTCUSD'",
            id="malformed-symbol",
        ),
        pytest.param(
            "{source: binance, symbol: BTC/USD}",
            "series[1] (binance BTC/USD): source: unknown source 'binance'; expected one of kraken, coingecko",
            id="unknown-source",
        ),
        pytest.param(
            "{source: coingecko, symbol: HYPE/USD}",
            "series[1] (coingecko HYPE/USD): coingecko entries need coingecko_id",
            id="coingecko-without-id",
        ),
        pytest.param(
            "{source: coingecko, symbol: HYPE/USD, coingecko_id: 'Hyper Liquid'}",
            "series[1] (coingecko HYPE/USD): malformed coingecko_id 'Hyper Liquid'",
            id="coingecko-malformed-id",
        ),
        pytest.param(
            "{source: coingecko, symbol: HYPE/USD, coingecko_id: hyperliquid, timeframe: 5m}",
            "series[1] (coingecko HYPE/USD 5m): coingecko has no 5m candles; it offers 30m, 1h, 4h, 1d, 1w",
            id="coingecko-timeframe-not-offered",
        ),
        pytest.param(
            "{source: kraken, symbol: ETH/USD, interval: 1h}",
            "series[1] (kraken ETH/USD): interval: Extra inputs are not permitted",
            id="unknown-field",
        ),
        pytest.param(
            "{source: kraken, symbol: ETH/USD, backfill_candles: 0}",
            "series[1] (kraken ETH/USD): backfill_candles:",
            id="backfill-not-positive",
        ),
        pytest.param(
            "{source: kraken}",
            "series[1]: symbol: Field required",
            id="missing-symbol",
        ),
        pytest.param(
            "BTC/USD",
            "series[1]: Input should be a valid dictionary",
            id="entry-not-a-mapping",
        ),
    ],
)
def test_a_bad_entry_is_named_by_index_and_series(entry, expected):
    # Given a good first entry and a bad second one
    text = f"series:\n  - {{source: kraken, symbol: SOL/USD}}\n  - {entry}\n"

    # When the watchlist is parsed
    message = problems_of(text)

    # Then the error starts with where the file is and names the entry and what is wrong with it
    assert message.startswith("config/watchlist.yaml: ")
    assert expected in message
    assert "series[0]" not in message


def test_a_duplicate_series_is_found_after_normalizing_the_symbol():
    # Given BTC/USD and btc-usd on the same source and (default) timeframe
    text = "series:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: kraken, symbol: btc-usd}\n"

    # When the watchlist is parsed
    message = problems_of(text)

    # Then the second is reported as a duplicate of the first, by its normalized key
    assert "series[1] (kraken btc-usd): duplicate series kraken:BTC-USD:1h (first at series[0])" in message


def test_a_duplicate_series_is_found_when_one_entry_names_the_default_timeframe():
    # Given the same series written once with the default timeframe and once with it spelled out
    text = "series:\n  - {source: kraken, symbol: BTC/USD}\n  - {source: kraken, symbol: BTC/USD, timeframe: 1h}\n"

    # When the watchlist is parsed
    message = problems_of(text)

    # Then it is a duplicate
    assert "duplicate series kraken:BTC-USD:1h" in message


def test_every_problem_is_reported_at_once():
    # Given a watchlist with three bad entries among good ones
    text = """
series:
  - {source: kraken, symbol: BTC/USD, timeframe: 2h}
  - {source: kraken, symbol: ETH/USD}
  - {source: coingecko, symbol: HYPE/USD}
  - {source: kraken, symbol: eth-usd}
  - {source: kraken, symbol: SOL/USD}
"""

    # When it is parsed
    message = problems_of(text)

    # Then each bad entry is named, in order, in one error; the good ones are not
    named = [part.split(" ")[0] for part in message.removeprefix("config/watchlist.yaml: ").split("; series")]
    assert named == ["series[0]", "[2]", "[3]"]
    assert "unknown timeframe '2h'" in message
    assert "coingecko entries need coingecko_id" in message
    assert "duplicate series kraken:ETH-USD:1h (first at series[1])" in message
    assert "series[4]" not in message


def test_invalid_yaml_is_reported_as_such():
    # Given text that is not YAML
    text = "series: [\n  - {source: kraken"

    # When it is parsed
    message = problems_of(text)

    # Then the error says it is not valid YAML
    assert message.startswith("config/watchlist.yaml: not valid YAML")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("series: []\n", "series: List should have at least 1 item", id="empty-list"),
        pytest.param("defaults: {timeframe: 1h}\n", "series: Field required", id="no-series"),
        pytest.param("", "expected a mapping with a 'series' list, got NoneType", id="empty-file"),
        pytest.param(
            "- {source: kraken, symbol: BTC/USD}\n", "expected a mapping with a 'series' list", id="bare-list"
        ),
        pytest.param(
            "series:\n  - {source: kraken, symbol: BTC/USD}\nseries_extra: 1\n",
            "series_extra: Extra inputs are not permitted",
            id="unknown-top-level-field",
        ),
    ],
)
def test_a_watchlist_without_a_usable_series_list_is_rejected(text, expected):
    # Given a document with no usable series list
    # When it is parsed
    message = problems_of(text)

    # Then the error says what is missing
    assert expected in message


def test_a_bad_default_is_named_in_words_a_person_can_read():
    # Given a defaults section with an unknown timeframe
    text = "defaults: {timeframe: 2h}\nseries:\n  - {source: kraken, symbol: BTC/USD}\n"

    # When it is parsed
    message = problems_of(text)

    # Then the error names the setting and the problem, without pydantic's "Value error," prefix
    assert "defaults.timeframe: unknown timeframe '2h'; expected one of" in message
    assert "Value error" not in message


# --- issue 10: the alert budget and the digest ----------------------------------------------


def test_the_alert_budget_defaults_to_three_a_week_and_a_series_may_set_its_own():
    watchlist = parse_watchlist(
        "alerts: {max_per_week: 2}\n"
        "series:\n"
        "  - {source: kraken, symbol: BTC/USD}\n"
        "  - {source: kraken, symbol: ETH/USD, alerts: {max_per_week: 0.5}}\n"
    )
    assert parse_watchlist("series: [{source: kraken, symbol: BTC/USD}]").alerts.max_per_week == 3
    assert [w.alerts.max_per_week for w in watchlist] == [2, 0.5]
    assert [w.alerts.weekly_cap for w in watchlist] == [2, 1]


@pytest.mark.parametrize("budget", ["0", "-1", "lots", "1000"])
def test_a_budget_that_is_not_a_positive_number_is_rejected_naming_the_entry(budget):
    with pytest.raises(WatchlistError, match=r"series\[0\].*max_per_week"):
        parse_watchlist(f"series: [{{source: kraken, symbol: BTC/USD, alerts: {{max_per_week: {budget}}}}}]")


def test_the_digest_defaults_to_seven_utc_and_takes_an_iana_zone():
    assert parse_watchlist("series: [{source: kraken, symbol: BTC/USD}]").digest.time == "07:00"
    digest = parse_watchlist(
        "digest: {time: '18:30', timezone: Europe/Berlin}\nseries: [{source: kraken, symbol: BTC/USD}]"
    ).digest
    assert (digest.hour, digest.minute, digest.zone.key, digest.enabled) == (18, 30, "Europe/Berlin", True)


@pytest.mark.parametrize(
    ("digest", "expected"),
    [
        ("{timezone: Mars/Olympus}", "digest.timezone: unknown time zone 'Mars/Olympus'"),
        ("{time: '25:00'}", "digest.time: malformed time '25:00'"),
        ("{when: daily}", "digest.when"),
    ],
)
def test_a_bad_digest_setting_is_rejected_naming_it(digest, expected):
    with pytest.raises(WatchlistError, match=re.escape(expected)):
        parse_watchlist(f"digest: {digest}\nseries: [{{source: kraken, symbol: BTC/USD}}]")


def test_an_alerts_list_of_more_recipients_than_a_few_people_is_refused_naming_it():
    from crypto_advisor.contracts.watchlist import MAX_RECIPIENTS

    addresses = ", ".join(f"person{i}@example.com" for i in range(MAX_RECIPIENTS + 1))
    with pytest.raises(WatchlistError, match=r"alerts.recipients.*25"):
        parse_watchlist(f"alerts: {{recipients: [{addresses}]}}\nseries:\n  - {{source: kraken, symbol: BTC/USD}}\n")
    few = ", ".join(f"person{i}@example.com" for i in range(MAX_RECIPIENTS))
    parsed = parse_watchlist(f"alerts: {{recipients: [{few}]}}\nseries:\n  - {{source: kraken, symbol: BTC/USD}}\n")
    assert len(parsed.series[0].alerts.recipients) == MAX_RECIPIENTS

"""Which watched coins an article names: everyday words and abbreviations name no coin, coin names and tickers do."""

from __future__ import annotations

import pytest

from crypto_advisor.news.attribution import coins_named

#: A watchlist of coins whose names or tickers are everyday words, beside distinctive ones.
WATCHED = {
    "BTC": "Bitcoin",
    "ETH": "Ethereum",
    "SOL": "Solana",
    "XRP": "XRP",
    "AVAX": "Avalanche",
    "DOT": "Polkadot",
    "LINK": "Chainlink",
    "ONE": "Harmony",
    "DOGE": "Dogecoin",
}


@pytest.mark.parametrize(
    "text",
    [
        "The ripple effects of the Fed's cut reach emerging markets",
        "Stocks slide as an avalanche of liquidations hits futures",
        "A polkadot dress and a chainlink fence: the week in design",
        "Bankers seek harmony in the boardroom after the merger",
    ],
)
def test_an_everyday_word_in_lower_case_names_no_coin(text):
    # Given / When prose uses a coin's name as the everyday word it also is / Then no coin is named
    assert coins_named(text, WATCHED) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ripple wins its case against the SEC", ("XRP",)),
        ("Avalanche and Polkadot lead the altcoin rebound", ("AVAX", "DOT")),
        ("Chainlink oracles go live on Harmony", ("LINK", "ONE")),
    ],
)
def test_a_capitalised_everyday_name_names_its_coin(text, expected):
    # Given / When the name is capitalised, as the coin's own name is written / Then it names the coin
    assert coins_named(text, WATCHED) == expected


def test_a_distinctive_name_names_its_coin_in_any_case():
    # Given / When the press writes coins in lower case ("bitcoin and ether") / Then they are still named
    assert coins_named("Investors pile into bitcoin and ether; SOLANA lags", WATCHED) == ("BTC", "ETH", "SOL")


@pytest.mark.parametrize(
    "text",
    [
        "U.S. DOT fines airline over refund delays",
        "Musk's DOGE team cuts another agency's budget",
        "LINK to the full report; ONE more thing",
    ],
)
def test_an_everyday_ticker_in_capitals_names_no_coin(text):
    # Given / When an abbreviation or word in capitals is also a watched coin's ticker / Then no coin is named
    assert coins_named(text, WATCHED) == ()


def test_an_everyday_ticker_names_its_coin_as_a_cashtag():
    # Given / When a ticker that is also an abbreviation is written as a cashtag / Then it names the coin
    assert coins_named("$DOT and $LINK jump 9% as $DOGE slips", WATCHED) == ("DOT", "LINK", "DOGE")


def test_a_distinctive_ticker_names_its_coin_bare_in_capitals_only():
    # Given / When BTC, ETH, SOL and XRP are written bare / Then they name their coins, as before; "sol" does not
    assert coins_named("BTC, ETH, SOL and XRP slip", WATCHED) == ("BTC", "ETH", "SOL", "XRP")
    assert coins_named("Sol Campbell's column", WATCHED) == ()


def test_a_coin_named_only_by_its_everyday_ticker_is_named_by_its_cashtag_alone():
    # Given a coin whose only name is its ticker, an everyday word (no name: in the watchlist)
    watched = {"ONE": "ONE"}

    # When / Then "one" in any case names no coin, "$ONE" does
    assert coins_named("One of the first Bitcoin conferences; ONE more", watched) == ()
    assert coins_named("$ONE doubles", watched) == ("ONE",)


def test_a_title_case_headline_using_an_everyday_name_still_names_the_coin():
    # Given / When a headline capitalises every word (the limit the module docstring states) / Then it is
    # attributed: word matching cannot tell this capital from a name's
    assert coins_named("Ripple Effects Of The Fed's Cut", WATCHED) == ("XRP",)

"""The one NewsAPI query per coin."""

from __future__ import annotations

import pytest

from crypto_advisor.news.query import news_query


def test_the_query_asks_for_the_name_or_the_ticker():
    # Given / When Bitcoin's query is built / Then an article naming either matches
    assert news_query("Bitcoin", "BTC") == '"Bitcoin" OR "BTC"'


def test_a_name_that_is_the_ticker_is_asked_once():
    # Given / When XRP (whose name is its ticker) is queried / Then the term is not repeated
    assert news_query("XRP", "XRP") == '"XRP"'


def test_a_name_of_several_words_stays_one_phrase():
    # Given / When a two-word name is queried / Then it is one quoted phrase
    assert news_query("Shiba Inu", "SHIB") == '"Shiba Inu" OR "SHIB"'


def test_characters_newsapi_reads_as_operators_are_dropped_from_the_name():
    # Given a watchlist name with quotes, a plus and parentheses
    query = news_query('Foo" (+Bar)', "FOO")

    # When the query is built / Then they cannot break out of the phrase
    assert query == '"Foo Bar" OR "FOO"'


def test_a_ticker_that_is_an_operator_is_quoted_as_a_word():
    # Given / When a coin ticker reads like a boolean operator / Then it is quoted, so NewsAPI takes it as a word
    assert news_query("Orchid", "OR") == '"Orchid" OR "OR"'


def test_a_coin_with_nothing_searchable_is_refused_by_name():
    # Given / When neither name nor ticker has a word / Then the error names them
    with pytest.raises(ValueError, match=r"'\(\)'"):
        news_query("()", "")


@pytest.mark.parametrize(
    ("name", "ticker", "expected"),
    [("Polkadot", "DOT", '"Polkadot"'), ("Chainlink", "LINK", '"Chainlink"'), ("Dogecoin", "DOGE", '"Dogecoin"')],
)
def test_a_ticker_that_is_an_everyday_word_is_left_out_of_the_query(name, ticker, expected):
    # Given / When a coin whose ticker NewsAPI would read as an everyday word ("dot", "link") is queried
    # Then it is searched by its name alone
    assert news_query(name, ticker) == expected


def test_a_name_the_watchlist_gives_is_searched_alone():
    # Given / When the watchlist entry gives the coin a name: / Then the query is that name, without the ticker
    assert news_query("Render Network", "RENDER", name_given=True) == '"Render Network"'


def test_a_coin_with_no_name_but_its_everyday_ticker_is_searched_by_it():
    # Given / When a coin has no name: and its ticker is an everyday word / Then the ticker is all there is to search
    assert news_query("ONE", "ONE") == '"ONE"'


def test_a_given_name_with_no_searchable_word_is_searched_by_the_ticker():
    # Given / When the name: holds only characters NewsAPI reads as operators / Then the ticker is searched
    assert news_query("(+)", "FOO", name_given=True) == '"FOO"'

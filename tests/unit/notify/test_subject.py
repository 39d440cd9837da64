"""The subject line: what the inbox list shows, so it must name the coin, the headline firing and the price."""

from __future__ import annotations

from crypto_advisor.contracts.signal import Rarity
from crypto_advisor.notify.format import MAX_SUBJECT, subject
from crypto_advisor.notify.view import AlertView

from .conftest import SERIES, bare_signal, firing


def view_of(*firings, close: float = 95_123.45) -> AlertView:
    return AlertView(signal=bare_signal(list(firings), close=close), series=SERIES, firings=firings, candles=())


def test_the_subject_names_pair_timeframe_headline_direction_price_and_how_many_more():
    # Given RSI oversold (notable) and two info firings
    view = view_of(
        firing("ema_cross", severity=1, distance=0.4, direction="bearish"),
        firing(),
        firing("sma20_cross", severity=1, distance=0.9),
    )
    # Then the subject leads with the most severe firing and counts the others
    assert subject(view) == "BTC/USD 1h: RSI oversold (bullish) at 95,123.45 (+2 more rules)"


def test_the_count_of_other_rules_cannot_be_read_as_part_of_the_rarity():
    # Given a rare breakout headlining three other firings: "..., the lowest close in 25 weeks and 3 more" read as
    # 28 weeks
    rare = Rarity(score=179, measure="range", words="the lowest close in 25 weeks")
    breakout = firing("bb_breakout", severity=3, direction="bearish", unit="%", rarity=rare)
    others = [firing(), firing("volume_spike", direction="bearish"), firing("price_change_24h", direction="bearish")]
    view = view_of(breakout, *others, close=0.63781)
    # Then the count says what it counts, apart from the rarity's words
    assert subject(view) == (
        "BTC/USD 1h: Bollinger breakout (bearish) at 0.63781, the lowest close in 25 weeks (+3 more rules)"
    )


def test_one_other_firing_is_counted_as_one_rule():
    view = view_of(firing("bb_breakout", severity=3, unit="%"), firing())
    assert subject(view).endswith(" (+1 more rule)")


def test_the_headline_is_the_most_severe_firing_then_the_rule_that_matters_most():
    # Given two notable firings, the noisy level crossing further past its line (in other units), and a strong one
    breakout = firing("bb_breakout", distance=0.2, unit="%")
    fib = firing("fib_cross", distance=1.5, unit="%", direction="bearish")
    macd = firing("macd_cross", distance=350.0, unit="price")
    strong = firing("golden_death_cross", severity=3, distance=0.1, unit="%")
    view = view_of(fib, macd, breakout, strong)
    # Then the strong one heads, then the breakout, then MACD, and the Fibonacci crossing comes last:
    # distances in different units never decide
    assert view.ordered_firings == (strong, breakout, macd, fib)
    assert subject(view).startswith("BTC/USD 1h: Golden cross (bullish) at")


def test_a_single_neutral_firing_has_no_direction_and_no_count():
    view = view_of(firing("bb_squeeze", direction="neutral", unit="% band width"))
    assert subject(view) == "BTC/USD 1h: Bollinger squeeze at 95,123.45"


def test_small_prices_keep_their_significant_digits():
    view = view_of(firing(), close=0.000012345)
    assert subject(view).endswith("at 0.000012345")


def test_the_subject_is_one_line_even_when_a_rule_id_carries_line_breaks():
    # Given a firing whose rule id (from a stored Signal) tries to add a header
    view = view_of(firing("evil\r\nBcc: victim@example.com\n"))
    # Then the subject is one line
    text = subject(view)
    assert "\r" not in text and "\n" not in text
    assert text.startswith("BTC/USD 1h: evil Bcc: victim@example.com (bullish)")


def test_a_long_subject_is_cut_to_what_an_inbox_shows():
    view = view_of(firing("x" * 300))
    text = subject(view)
    assert len(text) == MAX_SUBJECT and text.endswith("…")


def test_a_long_rarity_is_cut_before_the_count_of_the_other_rules():
    # Given a headline with a long rarity and three other firings: the cut once took "(+3 more rules)" with it
    words = "the largest daily drop beyond what BTC implied in 26 days (2.1 sigma)"
    rare = Rarity(score=26, measure="move", words=words)
    headline = firing("price_change_24h", severity=3, direction="bearish", unit="%", rarity=rare)
    view = view_of(headline, firing(), firing("volume_spike"), firing("obv_divergence"), close=1_234.5678)
    # Then the subject fits an inbox and still says the email holds three more rules
    text = subject(view)
    assert len(text) <= MAX_SUBJECT and text.endswith("… (+3 more rules)")

"""An alert email puts the move in context: against BTC's at the coin's beta, and against the 4 h and 1 d trends."""

from __future__ import annotations

from crypto_advisor.contracts.market_context import BetaReading, MarketContext, TrendReading
from crypto_advisor.contracts.series import Series
from crypto_advisor.notify.context_words import beta_line, context_lines, trend_line
from crypto_advisor.notify.render import render_email
from tests.unit.notify.conftest import beta_reading as beta

ETH = Series.parse("kraken:ETH-USD:1h")
SOL = Series.parse("kraken:SOL-USD:1h")
BTC_KEY = "kraken:BTC-USD:1h"
TRENDS = [
    TrendReading(timeframe="4h", direction="up", candles=179, resampled=True, close=101.2, ema=100.0, agrees=False),
    TrendReading(timeframe="1d", direction="down", candles=29, resampled=True, close=96.6, ema=100.0, agrees=True),
]


def context(move: float, reading: BetaReading | None, reference: str | None = BTC_KEY) -> MarketContext:
    return MarketContext(move=move, move_sigma=-3.2, reference=reference, beta=reading, trends=TRENDS)


def test_a_coin_that_followed_btc_reads_about_what_btc_implies():
    line = beta_line(ETH, context(-0.051, beta(-0.0003, -0.1)))
    assert line is not None
    assert line.startswith("ETH -5.1%, about the -5.1% that BTC's -3.9% implies at beta 1.3.")
    assert "718 common 1h candles of the last 30 days, correlation 0.81" in line and "own part" not in line


def test_a_coin_that_broke_away_reads_how_many_points_worse_and_its_own_sigmas():
    line = beta_line(SOL, context(-0.09, beta(-0.0393, -4.2)))
    assert line is not None
    assert line.startswith("SOL -9.0%, 3.9 points worse than the -5.1% that BTC's -3.9% implies at beta 1.3.")
    assert "Its own part of the move is 4.2 sigma." in line
    better = beta_line(SOL, context(-0.01, beta(0.0407, 3.0)))
    assert better is not None and "4.1 points better than the -5.1% that BTC's -3.9%" in better


def test_no_reference_says_nothing_about_btc_and_a_missing_reading_says_why():
    assert beta_line(ETH, context(-0.05, None, reference=None)) is None
    missing = context(-0.05, None).model_copy(update={"beta_note": "BTC's candle of 1h was not stored yet"})
    assert beta_line(ETH, missing) == "Against BTC: no reading (BTC's candle of 1h was not stored yet)."


def test_the_trend_line_says_with_or_against_each_trend_and_how_far_from_its_ema():
    line = trend_line(context(-0.05, None))
    assert line == (
        "Trend before this candle: the drop goes against the 4h trend (up, 1.2% above its EMA 20) "
        "and with the 1d trend (down, 3.4% below its EMA 20)."
    )
    short = MarketContext(move=0.01, trends=[TrendReading(timeframe="1d", direction=None, candles=7, resampled=True)])
    assert trend_line(short) == "Trend before this candle: the 1d trend (too little history: 7 1d closes)."


def test_the_alert_email_shows_the_context_in_text_and_html(make_view):
    market = context(-0.09, beta(-0.0393, -4.2))
    email = render_email(make_view(signal_changes={"market": market}))
    lines = context_lines(make_view().series, market)
    assert len(lines) == 2
    assert "MARKET CONTEXT\n--------------\n" + "\n".join(lines) in email.text
    assert "Market context</h2>" in email.html
    assert "3.9 points worse than the -5.1% that BTC&#x27;s -3.9% implies" in email.html
    assert "against the 4h trend" in email.html


def test_an_email_of_a_signal_without_context_has_no_such_section(make_view):
    email = render_email(make_view(signal_changes={"market": None}))
    assert "MARKET CONTEXT" not in email.text and "Market context" not in email.html


def test_a_pegged_coins_trend_reads_how_far_from_its_ema_not_zero():
    # Given a 1d trend whose close is 0.0031% above its EMA 20 (a stablecoin's), and one 1.2% above
    hair = TrendReading(timeframe="1d", direction="up", close=1.000031, ema=1.0, candles=60, resampled=False)
    # Then the line says how far, not "0.0% above", which reads as no trend with a direction
    assert trend_line(MarketContext(move=0.0, trends=[hair])) == (
        "Trend before this candle: the 1d trend (up, 0.0031% above its EMA 20)."
    )


def test_a_coin_that_fell_less_than_its_reference_but_more_than_implied_reads_against_the_implied_move():
    # Given ETH -27.7% on a day LTC fell -36.8%, at beta 0.58: -21.2% implied, so ETH did 6.5 points worse than that
    reading = BetaReading(
        reference="kraken:LTC-USD:1d",
        btc_move=-0.368,
        beta=0.576,
        correlation=0.8,
        returns=30,
        implied_move=-0.212,
        own_move=-0.065,
        own_sigma=-2.1,
    )
    line = beta_line(Series.parse("kraken:ETH-USD:1d"), context(-0.277, reading, reference="kraken:LTC-USD:1d"))
    # Then "worse than" stands next to the implied -21.2%, not next to LTC's -36.8%, which ETH did better than
    assert line is not None
    assert line.startswith("ETH -27.7%, 6.5 points worse than the -21.2% that LTC's -36.8% implies at beta 0.58.")

"""What the email says, before layout: the firings with their track record, the snapshot, news, predictions, health."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW, WORSE
from crypto_advisor.analysis.rules import RULE_TITLES, RULES_BY_ID
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.news import Headline, NewsDigest, NewsMood
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Health
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.notify.format import (
    FOOTER,
    MAX_HEADLINES,
    change_since,
    email_content,
    news_content,
    predictions,
    price,
    snapshot,
    track_record,
)
from crypto_advisor.notify.view import AlertView

from .conftest import HOUR, SERIES, bare_signal, firing, record

DAY = 24 * HOUR


def candles_at(ts_and_closes: list[tuple[int, float]]) -> tuple[Candle, ...]:
    return tuple(Candle(ts, close, close * 1.01, close * 0.99, close, 10.0) for ts, close in ts_and_closes)


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(95_123.456, "95,123.46"), (2.345678, "2.3457"), (0.16, "0.16"), (0.000012345, "0.000012345"), (3.0, "3.00")],
)
def test_prices_keep_five_significant_digits_and_two_decimals(value, text):
    assert price(value) == text


# --- firings -------------------------------------------------------------------------------


def test_every_rule_of_the_analysis_reads_as_a_title_not_an_id():
    assert set(RULES_BY_ID) <= set(RULE_TITLES)


def test_a_firing_shows_its_sentence_value_threshold_distance_severity_and_track_record():
    # Given RSI oversold with replay figures for its rule, whose edge held out of sample
    fired = firing()
    view = AlertView(
        signal=bare_signal([fired]),
        series=SERIES,
        firings=(fired,),
        candles=(),
        rule_records={"rsi_oversold": record(verdict=EDGE, t=2.61, blocks=31)},
    )
    # When the content is worded
    (item,) = email_content(view).firings
    # Then it says what the rule saw and how the rule has done on this series
    assert item.title == "RSI oversold" and item.direction == "bullish" and item.severity_name == "notable"
    assert item.sentence == fired.sentence
    assert item.figures == "value 26.4, threshold 30, 3.6 RSI points past it"
    assert item.history == (
        "Historically on this series, 24 candles (1 day) later price had moved the way the rule pointed "
        "58% of the time vs 51% for any candle, counting an unchanged close as half (n=37 in 1,800 candles "
        "replayed): better than chance "
        "(t = 2.6 over 31 non-overlapping firings)."
    )


def test_a_firing_without_replay_figures_has_no_track_record():
    fired = firing()
    view = AlertView(signal=bare_signal([fired]), series=SERIES, firings=(fired,), candles=(), rule_records={})
    assert email_content(view).firings[0].history is None


def test_the_track_record_is_worded_for_any_direction_since_the_hit_rate_counts_each_firing_its_own_way():
    # A MACD cross fires both ways: its one hit rate mixes "up after bullish" and "down after bearish".
    text = track_record(record("macd_cross"), "bearish", HOUR)
    assert "moved the way the rule pointed" in text
    assert " up " not in text and " down " not in text


def test_a_neutral_rule_is_judged_by_the_size_of_the_move():
    text = track_record(record("bb_squeeze", hit_rate=0.55, base_rate=0.5), "neutral", 4 * HOUR)
    assert "24 candles (4 days) later price had moved more than its median move 55% of the time vs 50%" in text


@pytest.mark.parametrize(
    ("hit", "verdict", "t", "words"),
    [
        (0.58, EDGE, 2.4, "better than chance (t = 2.4 over 31 non-overlapping firings)"),
        (0.40, WORSE, -2.2, "worse than chance (t = -2.2 over 31 non-overlapping firings)"),
        (0.58, NO_EVIDENCE, 1.3, "no evidence of an edge (t = 1.3 over 31 non-overlapping firings)"),
    ],
)
def test_the_track_record_words_the_out_of_sample_verdict(hit, verdict, t, words):
    text = track_record(record(hit_rate=hit, verdict=verdict, t=t, blocks=31), "bullish", HOUR)
    assert text.endswith(f"(n=37 in 1,800 candles replayed): {words}.")


def test_a_gap_between_the_shares_is_no_edge_without_the_verdict():
    # Given figures of a report written before the out-of-sample test: 90% vs 50% over 400 firings, no verdict
    text = track_record(record(hit_rate=0.9, base_rate=0.5, firings=400), "bullish", HOUR)
    # Then the email claims nothing
    assert text.endswith("(n=400 in 1,800 candles replayed): no evidence of an edge.")
    assert "better" not in text


def test_a_handful_of_firings_is_not_called_an_edge():
    text = track_record(record(hit_rate=0.9, base_rate=0.5, firings=4, verdict=TOO_FEW, blocks=3), "bullish", HOUR)
    assert text.endswith(": no evidence of an edge (only 3 non-overlapping firings, too few to test).")


# --- snapshot ------------------------------------------------------------------------------


def test_price_changes_are_measured_by_time_whatever_the_timeframe():
    # Given 30-minute candles over a day: the close rose from 100 to 110 over the last hour (two candles back)
    half = HOUR // 2
    now = 1_767_225_600_000
    candles = candles_at([(now - DAY, 88.0), (now - HOUR, 100.0), (now - half, 105.0), (now, 110.0)])
    # Then the 1h change reads the candle opened an hour earlier, and the 24h change the one a day earlier
    assert change_since(candles, now, 110.0, HOUR) == pytest.approx(0.10)
    assert change_since(candles, now, 110.0, DAY) == pytest.approx(0.25)


def test_a_change_whose_reference_candle_is_not_in_the_window_is_not_available():
    # Given 4h candles: no candle opened exactly one hour before
    now = 1_767_225_600_000
    candles = candles_at([(now - 4 * HOUR, 100.0), (now, 110.0)])
    assert change_since(candles, now, 110.0, HOUR) is None
    assert change_since(candles, now, 110.0, DAY) is None


def test_the_snapshot_reads_the_signal_and_its_candles(make_view):
    # Given the real analysis of a candle
    view = make_view()
    signal, p = view.signal, DEFAULT_PARAMS
    last, hour_ago, day_ago = view.candles[-1], view.candles[-2], view.candles[-25]
    # When the snapshot is built
    facts = {f.label: f for f in snapshot(view)}
    # Then every figure is the candles' or the indicators' own
    assert facts["Close"].value == f"{price(signal.close)} USD"
    assert facts["1h change"].value == f"{(last.close / hour_ago.close - 1) * 100:+.2f}%"
    assert facts["24h change"].value == f"{(last.close / day_ago.close - 1) * 100:+.2f}%"
    before = [c.volume for c in view.candles[-21:-1]]
    ratio = last.volume / (sum(before) / len(before))
    assert facts["Volume"].note.startswith(f"{ratio:.2f}x the average of the 20 candles before it, ")
    atr = signal.indicators[p.atr_column]
    assert facts["Volatility (ATR 14)"].value == price(atr)
    assert facts["Volatility (ATR 14)"].note == f"{atr / signal.close * 100:.2f}% of the close per candle"


@pytest.mark.parametrize(
    ("adx", "plus", "minus", "note"),
    [
        (15.0, 30.0, 10.0, "no clear trend, +DI 30 vs -DI 10"),
        (22.0, 30.0, 10.0, "weak trend up, +DI 30 vs -DI 10"),
        (31.0, 12.0, 28.0, "trending down, +DI 12 vs -DI 28"),
        (28.7, 9.59, 36.54, "trending down, +DI 9.6 vs -DI 36.5"),
    ],
)
def test_the_trend_regime_comes_from_adx_and_its_direction_from_the_directional_indicators(adx, plus, minus, note):
    p = DEFAULT_PARAMS
    signal = bare_signal([], indicators={p.adx_column: adx, p.plus_di_column: plus, p.minus_di_column: minus})
    view = AlertView(signal=signal, series=SERIES, firings=(), candles=())
    facts = {f.label: f for f in snapshot(view)}
    assert facts["Trend (ADX 14, this candle included)"].note == note


def test_missing_indicators_read_as_not_available_rather_than_failing():
    # Given a new series whose indicators are still warming up
    signal = bare_signal([], indicators={})
    view = AlertView(signal=signal, series=Series.parse("kraken:ETH-USD:1h"), firings=(), candles=())
    facts = {f.label: f.value for f in snapshot(view)}
    trend = facts["Trend (ADX 14, this candle included)"]
    assert facts["1h change"] == facts["24h change"] == facts["Volume"] == trend == "n/a"


@pytest.mark.parametrize(
    ("timeframe", "changes"), [("1h", ["1h change", "24h change"]), ("4h", ["24h change"]), ("1d", ["24h change"])]
)
def test_the_snapshot_has_no_change_shorter_than_the_series_candle(timeframe: str, changes: list[str]):
    # Given a 4h or daily series: no candle opened an hour before its candle, so a 1h change could only read n/a
    view = AlertView(signal=bare_signal([]), series=Series.parse(f"kraken:ETH-USD:{timeframe}"), firings=(), candles=())
    # Then its snapshot leaves that row out
    assert [f.label for f in snapshot(view) if f.label.endswith(" change")] == changes


# --- news ----------------------------------------------------------------------------------


def test_news_that_is_off_says_so():
    news = news_content(NewsDigest(coin="BTC", status="off"))
    assert news is not None and news.summary == ("News is off (no NewsAPI key).",) and news.headlines == ()


def test_news_that_could_not_be_read_says_so_not_that_news_is_off():
    news = news_content(NewsDigest(coin="BTC", status="unavailable"))
    assert news is not None and news.summary == ("News could not be read for this alert.",) and news.headlines == ()


def test_news_without_articles_says_so():
    news = news_content(NewsDigest(coin="BTC", status="no_articles"))
    assert news is not None and news.summary == ("No articles in the last 24 hours.",)


def test_no_digest_means_no_news_section():
    assert news_content(None) is None


def test_the_mood_compares_the_last_24_hours_with_the_last_7_days_in_numbers_and_words(digest):
    news = news_content(digest)
    assert news is not None
    assert news.summary[0] == (
        "Mood of the last 24 hours: +0.21 (positive, 12 stories) vs -0.08 (negative) over the last 7 days (85 stories)."
    )


def test_headlines_carry_source_time_score_and_only_web_links(digest):
    news = news_content(digest)
    assert news is not None
    web, script = news.headlines
    published = datetime.fromtimestamp(digest.headlines[0].published_ts / 1000, tz=UTC)
    assert web.when == published.strftime("%Y-%m-%d %H:%M UTC")
    assert (web.source, web.score) == ('"><img src=x onerror=alert(1)>', "+0.42")
    assert web.link == "https://news.example.com/btc?a=1&b=2" and web.unlinked_url is None
    assert script.link is None and script.unlinked_url == "javascript:alert(1)"


def test_at_most_a_handful_of_headlines_are_listed():
    headline = Headline(title="t", source="s", url="https://e.com/", published_ts=1, compound=0.0)
    mood = NewsMood(at_ts=2, mean_24h=0.0, count_24h=9, mean_7d=0.0, count_7d=9)
    # (the contract refuses a digest of more than five since issue 11; the renderer's own cap stays, built past it)
    news = news_content(NewsDigest.model_construct(coin="BTC", status="ok", mood=mood, headlines=[headline] * 9))
    assert news is not None and len(news.headlines) == MAX_HEADLINES


def test_a_headline_with_line_breaks_stays_on_one_line():
    headline = Headline(title="Line one\r\nLine two", source="a\nb", url="https://e.com/", published_ts=1, compound=0.0)
    news = news_content(NewsDigest(coin="BTC", headlines=[headline]))
    assert news is not None and (news.headlines[0].title, news.headlines[0].source) == ("Line one Line two", "a b")


# --- predictions, health, footer -----------------------------------------------------------


def test_predictions_show_their_text_or_else_their_fields():
    items = predictions(
        [{"text": "Next 24h: up 0.4%", "beats_baseline": True}, {"model": "ridge", "mae": 0.0123, "nested": {}}]
    )
    assert [i.text for i in items] == ["Next 24h: up 0.4%", "model: ridge, mae: 0.0123; for information only"]


def test_no_predictions_say_nothing():
    assert predictions([]) == ()


def test_unhealthy_data_is_reported_with_its_reasons():
    signal = bare_signal(
        [firing(suppressed=True, suppressed_reason="unhealthy data: gap")],
        health=Health(healthy=False, reasons=["gap of 3 candles before 2026-01-01 00:00"]),
    )
    view = AlertView(signal=signal, series=SERIES, firings=tuple(signal.firings), candles=())
    content = email_content(view)
    assert content.warning is not None and "gap of 3 candles before 2026-01-01 00:00" in content.warning
    assert content.firings[0].suppressed == "unhealthy data: gap"


def test_healthy_data_carries_no_warning_and_every_email_the_footer(make_view):
    content = email_content(make_view())
    assert content.warning is None
    assert content.footer == FOOTER


def test_the_intro_says_how_many_fired_in_all_when_the_email_carries_fewer():
    # Given three rules that fired on the candle, of which the policy emailed one (the others too weak to alert)
    emailed = firing("bb_breakout", severity=3, unit="%")
    signal = bare_signal([emailed, firing(severity=1), firing("obv_divergence", severity=1)])
    view = AlertView(signal=signal, series=SERIES, firings=(emailed,), candles=())
    # Then the email does not say "1 rule fired" under a candle on which three did
    intro = email_content(view).intro
    assert intro.startswith("1 rule fired for this alert (3 in all; the others were weaker, less rare, in cooldown")
    # and an email that carries every firing says just how many
    assert email_content(
        AlertView(signal=signal, series=SERIES, firings=tuple(signal.firings), candles=())
    ).intro.startswith("3 rules fired on the")


def test_a_t_past_the_bar_that_the_correction_did_not_keep_says_why_it_is_no_evidence():
    # Given a rule whose t is 2.003 over 86 firings, dropped by Benjamini-Hochberg over every rule and horizon tested
    dropped = track_record(record(verdict=NO_EVIDENCE, t=2.003, blocks=86), "bullish", HOUR)
    # Then "t = 2.0" does not stand beside "no evidence" unexplained
    assert dropped.endswith(
        ": no evidence of an edge (t = 2.0 over 86 non-overlapping firings, short of significance once every rule "
        "and horizon tested is counted)."
    )
    # and a t short of the bar needs no such words
    assert track_record(record(verdict=NO_EVIDENCE, t=1.4, blocks=86), "bullish", HOUR).endswith(
        ": no evidence of an edge (t = 1.4 over 86 non-overlapping firings)."
    )


def test_shares_over_every_firing_and_a_t_over_the_blocks_read_together():
    # Given 56% vs 49% over all 63 firings, while the 21 non-overlapping ones the test counts did 0.4 points worse
    said = track_record(
        record(hit_rate=0.56, base_rate=0.49, firings=63, verdict=NO_EVIDENCE, t=-0.1, blocks=21, excess=-0.004),
        "bullish",
        HOUR,
    )
    # Then the sentence gives the test's own gap, whose sign is t's, so the two do not contradict each other
    assert said.endswith(
        ": no evidence of an edge (t = -0.1 over 21 non-overlapping firings: 0.4 points below any candle)."
    )

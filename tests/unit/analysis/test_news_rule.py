"""The news-sentiment rule: it fires on the candle whose close sees the news mood cross a line, and only then."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.analysis import rules as r
from crypto_advisor.analysis.news_columns import add_news_columns
from crypto_advisor.analysis.rules import build_rules, evaluate_all
from crypto_advisor.contracts.news import Article
from crypto_advisor.contracts.watchlist_file import parse_watchlist

HOUR = 3_600_000
NAN = math.nan


def with_news(frame: pd.DataFrame, mood: list[tuple[float, float, float]]) -> pd.DataFrame:
    """``frame`` whose last rows' news columns are set by hand: (24h mean, 24h count, 7d mean) per row."""
    n = len(frame)
    head = [(NAN, 0.0, NAN)] * (n - len(mood))
    means, counts, weeks = zip(*(head + mood), strict=True)
    return frame.assign(news_mean_24h=list(means), news_count_24h=list(counts), news_mean_7d=list(weeks))


def judge(frame_of, mood, rule=None):
    frame = with_news(frame_of([100.0] * 30), mood)
    return (rule or r.NewsSentiment()).evaluate(frame, HOUR)


def news_turning_negative(frame_of) -> tuple:
    """The firing scenario: the day's mood falls from -0.1 to -0.31 over 12 articles (the 7-day mean -0.2)."""
    frame = with_news(frame_of([100.0] * 30), [(-0.1, 11, -0.18), (-0.31, 12, -0.2)])
    return r.NewsSentiment(), frame, HOUR


# --- must fire ------------------------------------------------------------------------------


def test_fires_bearish_when_the_day_mood_crosses_below_the_low_line(frame_of):
    # Given the 24h mean falling from -0.1 to -0.31 with 12 articles
    rule, frame, tf = news_turning_negative(frame_of)

    # When the candle is judged
    firing = rule.evaluate(frame, tf)

    # Then a bearish notable firing says the value, the line and how far past it
    assert (firing.rule_id, firing.direction, firing.severity) == ("news_sentiment", "bearish", 2)
    assert (firing.value, firing.threshold) == (-0.31, -0.2) and math.isclose(firing.distance, 0.11)
    assert firing.sentence == (
        "News turned negative: the 12 articles of the last 24 hours average a VADER score of -0.31, "
        "below the -0.2 line (0.11 past it)."
    )


def test_fires_bullish_when_the_day_mood_crosses_above_the_high_line(frame_of):
    # Given / When the 24h mean rises from 0.15 to 0.25 over 6 articles / Then it fires bullish
    firing = judge(frame_of, [(0.15, 5, 0.1), (0.25, 6, 0.12)])
    assert (firing.direction, firing.value, firing.threshold) == ("bullish", 0.25, 0.2)
    assert "above the 0.2 line" in firing.sentence


def test_fires_when_enough_articles_arrive_on_a_mood_already_past_the_line(frame_of):
    # Given the mood was already below -0.2 on four articles (too few), and the fifth arrives
    # When judged / Then the condition starts holding now: it fires
    firing = judge(frame_of, [(-0.4, 4, -0.1), (-0.35, 5, -0.1)])
    assert firing is not None and firing.direction == "bearish"


def test_fires_when_the_previous_close_had_no_news_at_all(frame_of):
    # Given no article in the 24 hours before the previous close, then six bad ones
    # When judged / Then no news before counts as not past the line: it fires
    assert judge(frame_of, [(NAN, 0, -0.05), (-0.3, 6, -0.2)]).direction == "bearish"


def test_a_mood_twice_past_the_line_is_strong(frame_of):
    # Given / When the 24h mean drops to -0.45 (beyond twice -0.2) / Then the firing is strong
    assert judge(frame_of, [(0.0, 8, 0.0), (-0.45, 9, -0.1)]).severity == 3


def test_fires_bullish_when_the_day_is_much_better_than_the_week(frame_of):
    # Given a gloomy week (-0.3) and a day that recovers from -0.15 to 0.0, inside both lines
    firing = judge(frame_of, [(-0.15, 7, -0.3), (0.0, 8, -0.3)])

    # When judged / Then the shift beyond 0.25 from the 7-day mean fires bullish, naming both means
    assert (firing.direction, firing.threshold) == ("bullish", 0.25) and math.isclose(firing.value, 0.3)
    assert firing.sentence == (
        "News is unusually positive: the 8 articles of the last 24 hours average 0, "
        "0.3 above the 7-day average of -0.3 (shift line 0.25)."
    )


def test_fires_bearish_when_the_day_is_much_worse_than_the_week(frame_of):
    # Given / When a cheerful week (0.35) meets a day falling to 0.05 / Then the shift fires bearish
    firing = judge(frame_of, [(0.2, 6, 0.35), (0.05, 6, 0.35)])
    assert (firing.direction, firing.threshold) == ("bearish", -0.25) and math.isclose(firing.value, -0.3)


def test_a_level_crossing_is_reported_before_a_shift_on_the_same_candle(frame_of):
    # Given the mood crossing below -0.2 and 0.5 under a neutral week on the same candle
    # When judged / Then the level crossing is the one reported
    firing = judge(frame_of, [(0.1, 6, 0.2), (-0.3, 7, 0.2)])
    assert firing.threshold == -0.2 and firing.sentence.startswith("News turned negative")


# --- must not fire --------------------------------------------------------------------------


def test_stays_silent_while_the_mood_stays_past_the_line(frame_of):
    # Given / When the mood was and is below -0.2 with enough articles / Then nothing new happened
    assert judge(frame_of, [(-0.3, 10, -0.2), (-0.35, 11, -0.2)]) is None


def test_stays_silent_with_fewer_articles_than_the_minimum(frame_of):
    # Given / When four articles average -0.6 / Then four are too few to speak of a mood
    assert judge(frame_of, [(0.0, 3, 0.0), (-0.6, 4, -0.1)]) is None


def test_stays_silent_on_a_mood_between_the_lines_and_near_its_week(frame_of):
    # Given / When the mood moves from 0.05 to -0.1 under a week of -0.05 / Then nothing fires
    assert judge(frame_of, [(0.05, 9, -0.05), (-0.1, 9, -0.05)]) is None


def test_stays_silent_while_a_shift_persists(frame_of):
    # Given / When the day was already 0.3 above the week / Then a shift that persists does not fire again
    assert judge(frame_of, [(0.0, 7, -0.3), (0.05, 8, -0.3)]) is None


def test_does_not_apply_without_news_in_the_last_24_hours(frame_of):
    # Given / When the last close has no article in its day / Then the rule does not apply
    assert judge(frame_of, [(-0.5, 9, -0.3), (NAN, 0, -0.3)]) is None


def test_does_not_apply_to_an_analysis_without_news(frame_of):
    # Given a frame with no news columns at all (the replay, news off)
    frame = frame_of([100.0] * 29 + [130.0])

    # When every rule judges it / Then the news rule neither fires nor complains about missing columns
    assert r.NewsSentiment().evaluate(frame, HOUR) is None
    assert "news_sentiment" not in [f.rule_id for f in evaluate_all(frame, build_rules(), HOUR)]


# --- the mood columns it reads --------------------------------------------------------------


def article(ts: int, compound: float) -> Article:
    title = f"story published at {ts}"
    return Article(coin="BTC", url=f"https://news.example/{ts}", title=title, published_ts=ts, compound=compound)


def test_each_row_sees_the_news_published_by_its_candle_close(frame_of):
    # Given hourly candles, an article published exactly at the close of row 10 and one a millisecond later
    frame = frame_of([100.0] * 40)
    close_10 = int(frame["ts"].iloc[10]) + HOUR
    articles = [article(close_10, -0.5), article(close_10 + 1, 0.9)]

    # When the news columns are added
    news = add_news_columns(frame, articles, HOUR)

    # Then row 10 sees only the first, row 11 both, row 9 neither
    assert news["news_count_24h"].iloc[9] == 0 and math.isnan(news["news_mean_24h"].iloc[9])
    assert (news["news_count_24h"].iloc[10], news["news_mean_24h"].iloc[10]) == (1, -0.5)
    assert news["news_count_24h"].iloc[11] == 2 and math.isclose(news["news_mean_24h"].iloc[11], 0.2)
    # And the row closing exactly 24 hours later has let the first go from its day but keeps it in its week
    assert news["news_count_24h"].iloc[34] == 1 and math.isclose(news["news_mean_7d"].iloc[34], 0.2)
    assert list(news.columns[: len(frame.columns)]) == list(frame.columns)


def test_later_news_changes_no_earlier_row(frame_of):
    # Given a week of random articles, and the same plus articles after row 20's close
    rng = np.random.default_rng(3)
    frame = frame_of([100.0] * 40)
    start = int(frame["ts"].iloc[0]) - 7 * 24 * HOUR
    past = [
        article(int(start + t), float(c))
        for t, c in zip(rng.uniform(0, 8 * 24 * HOUR, 80), rng.uniform(-1, 1, 80), strict=True)
    ]
    cutoff = int(frame["ts"].iloc[20]) + HOUR
    known = [a for a in past if a.published_ts <= cutoff]

    # When the columns are computed with all of them and with only those known at row 20's close
    everything, then = add_news_columns(frame, past, HOUR), add_news_columns(frame, known, HOUR)

    # Then rows up to 20 are identical: the future played no part
    columns = ["news_mean_24h", "news_count_24h", "news_mean_7d"]
    pd.testing.assert_frame_equal(everything[columns].iloc[:21], then[columns].iloc[:21])


# --- configuration --------------------------------------------------------------------------


def test_the_watchlist_rules_section_configures_the_news_rule():
    # Given a watchlist moving the low line and the minimum of articles
    watchlist = parse_watchlist(
        "series: [{source: kraken, symbol: BTC/USD}]\nrules: {news_sentiment: {low: -0.3, min_articles: 3}}\n"
    )

    # When the rules are built / Then the news rule has those params and keeps the other defaults
    rule = {x.id: x for x in build_rules(watchlist.rules)}["news_sentiment"]
    assert rule.params == r.NewsSentimentParams(low=-0.3, high=0.2, min_articles=3, shift=0.25)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"low": -1.5}, "param 'low' must be between -1 and 1"),
        ({"low": 0.3}, "param 'high' must be above low (0.3)"),
        ({"min_articles": 2.5}, "param 'min_articles' must be a whole number"),
        ({"shift": 0}, "param 'shift' must be between 0 and 2"),
        ({"window": 3}, "unknown param 'window'"),
    ],
)
def test_a_bad_news_rule_param_is_named(config, message):
    # Given / When the news rule gets a param it cannot use / Then the error names the rule and the param
    with pytest.raises(ValueError, match=re.escape(f"rule 'news_sentiment': {message}")):
        build_rules({"news_sentiment": config})


def test_the_news_rule_can_be_switched_off():
    # Given / When the rule is disabled / Then it is not built
    assert "news_sentiment" not in [x.id for x in build_rules({"news_sentiment": {"enabled": False}})]

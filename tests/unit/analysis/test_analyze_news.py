"""The analysis with news: the Signal's digest, the news rule among the others, and news that fails to load."""

from __future__ import annotations

import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.news import MOOD_LONG_MS, Article
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.digest.content import news_mood
from crypto_advisor.market.indicator_spec import DEFAULT_PARAMS
from crypto_advisor.notify.format import news_content
from tests.fakes.analysis import News, Signals
from tests.fakes.candles import FakeCandles

HOUR = 3_600_000
T0 = 1_793_491_200_000 - 60 * HOUR  # 60 hourly candles ending with the one that closes 2026-11-01T00:00Z
SERIES = Series.of("kraken", "BTC/USD", "1h")
CANDLES = [Candle(T0 + i * HOUR, 100.0, 100.5, 99.5, 100.0 + (i % 3) * 0.1, 10.0) for i in range(60)]
LAST = CANDLES[-1].ts
CLOSE = LAST + HOUR


def article(ts: int, compound: float, title: str = "") -> Article:
    return Article(
        coin="BTC",
        url=f"https://news.example/{ts}",
        title=title or f"story at {ts}",
        published_ts=ts,
        compound=compound,
    )


#: Twelve articles of the last hours, turning bad only after the previous candle's close, and one after this close.
TURNING = [article(CLOSE - HOUR - (k + 1) * 600_000, -0.1) for k in range(6)] + [
    article(CLOSE - 30 * 60_000 + k * 60_000, -0.6, f"bad news {k}") for k in range(6)
]
LATE = article(CLOSE + 60_000, 0.99, "published after the close")


def run(articles):
    return analyze(SERIES, CANDLES, candle_ts=LAST, now_ms=CLOSE + 60_000, rules=build_rules(), articles=articles)


def test_without_news_the_signal_has_no_digest_and_the_news_rule_does_not_apply():
    # Given / When the candle is analysed without news (the replay, news off)
    signal = run(None)

    # Then the signal carries no digest, no news firing, and the usual snapshot only
    assert signal.news is None
    assert "news_sentiment" not in [f.rule_id for f in signal.firings]
    assert list(signal.indicators) == list(DEFAULT_PARAMS.columns)


def test_with_no_articles_the_digest_says_so():
    # Given / When the coin had no article in its week / Then the digest says no_articles, and nothing fires
    signal = run([])
    assert signal.news.status == "no_articles" and signal.news.coin == "BTC"
    assert "news_sentiment" not in [f.rule_id for f in signal.firings]


def test_news_turning_bad_by_the_close_fires_the_rule_and_the_digest_shows_it():
    # Given twelve articles whose day turned bad after the previous close, and one published after this close
    signal = run([*TURNING, LATE])

    # Then the news rule fired bearish on this candle
    (news_firing,) = [f for f in signal.firings if f.rule_id == "news_sentiment"]
    assert news_firing.direction == "bearish" and news_firing.value == pytest.approx(-0.35)
    # And the digest is the mood at the close, with the strongest headlines, none from after the close
    assert signal.news.status == "ok" and signal.news.mood.at_ts == CLOSE
    assert (signal.news.mood.count_24h, signal.news.mood.mean_24h) == (12, -0.35)
    assert [h.title for h in signal.news.headlines] == [f"bad news {k}" for k in (5, 4, 3, 2, 1)]
    # And the indicator snapshot is unchanged by the news
    assert list(signal.indicators) == list(DEFAULT_PARAMS.columns)


def test_the_signal_with_its_digest_survives_the_round_trip_through_json():
    # Given / When a signal with news is stored as JSON and read back / Then nothing is lost
    signal = run(TURNING)
    assert Signal.from_json(signal.to_json()) == signal


# --- the use case -----------------------------------------------------------------------


UPDATE = CandleUpdate(series=SERIES.key, candle_ts=[LAST], gaps=[], ingested_at=CLOSE + 60_000)


def test_the_use_case_reads_the_coins_last_week_and_one_candle_of_news():
    # Given a News table with the turning articles
    news = News(TURNING)

    # When the update is analysed
    outcome = analyze_update(UPDATE, candles=FakeCandles(CANDLES), signals=Signals(), rules=build_rules(), news=news)

    # Then the coin's news of 7 days and one candle before the close was read, and the signal carries it
    assert news.asked == [("BTC", CLOSE - MOOD_LONG_MS - HOUR, CLOSE)]
    assert outcome.signal.news.status == "ok" and outcome.news_error is None
    assert "news_sentiment" in [f.rule_id for f in outcome.signal.firings]


def test_a_news_read_failure_does_not_fail_the_analysis():
    # Given a News table that cannot be read
    signals = Signals()
    news = News(error=StorageError("reading the news of BTC: ProvisionedThroughputExceededException"))

    # When the update is analysed
    outcome = analyze_update(UPDATE, candles=FakeCandles(CANDLES), signals=signals, rules=build_rules(), news=news)

    # Then the signal is stored all the same, its digest says news was unavailable, and the error is kept for the log
    assert signals.stored == [outcome.signal] and outcome.stored
    assert outcome.signal.news.status == "unavailable" and outcome.signal.news.coin == "BTC"
    assert "ProvisionedThroughputExceeded" in outcome.news_error
    assert outcome.signal.indicators["sma_20"] is not None


def test_a_news_read_failure_is_worded_unavailable_in_the_email_and_the_digest_not_as_a_missing_key():
    # Given a News table that cannot be read (the stack has its NewsAPI key)
    news = News(error=StorageError("reading the news summaries of BTC: throttled"))

    # When the update is analysed
    outcome = analyze_update(UPDATE, candles=FakeCandles(CANDLES), signals=Signals(), rules=build_rules(), news=news)

    # Then the alert email and the digest say the news could not be read, and send no one to set a key
    email = news_content(outcome.signal.news)
    assert email is not None and email.summary == ("News could not be read for this alert.",)
    assert news_mood(outcome.signal.news) == "news could not be read for this signal"
    assert "NewsAPI key" not in " ".join(email.summary) + news_mood(outcome.signal.news)

"""A CoinGecko series shorter than a day has no volume of its own per candle: nothing judges its volume.

CoinGecko gives only a rolling 24-hour volume; the adapter stores it, scaled
to the candle, as each candle's volume. On a daily candle that is about the
day's own volume; on a 30m, 1h or 4h candle it is a 24-hour moving sum (a
tenfold hourly surge reads about 1.4x, a day late). So on such a series the
volume spike, the OBV divergence and the user's conditions that read volume
are skipped on every candle with the reason, no breakout is called "on heavy
volume", and no firing's rarity is measured on the volume.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.missing_volume import NO_CANDLE_VOLUME, judged_frame, lacks_candle_volume
from crypto_advisor.analysis.rules import build_rules, with_conditions
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import UserCondition
from crypto_advisor.market.indicators import indicator_frame

T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
VOLUME_RULES = {"volume_spike", "obv_divergence"}
VOLUME_BURST = UserCondition(name="volume burst", expression="volume > 3 * volume_sma_20")
ROSE_3 = UserCondition(name="rose 3%", expression="close > close[1] * 1.03")
ROSE_1 = UserCondition(name="rose 1%", expression="close > close[1] * 1.01")


def candles(closes: np.ndarray, volumes: np.ndarray, step: int) -> list[Candle]:
    """Candles ``step`` apart, each opening at the close before, with thin wicks."""
    opens = np.concatenate([closes[:1], closes[:-1]])
    return [
        Candle(T0 + i * step, float(o), float(max(o, c) * 1.001), float(min(o, c) * 0.999), float(c), float(v))
        for i, (o, c, v) in enumerate(zip(opens, closes, volumes, strict=True))
    ]


def surge(step: int, count: int = 300) -> list[Candle]:
    """A quiet market whose last candle rises 5% on ten times its usual volume."""
    rng = np.random.default_rng(11)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.003, count)))
    closes[-1] = closes[-2] * 1.05
    volumes = 1000 + rng.normal(0, 50, count)
    volumes[-1] = 10_000
    return candles(closes, volumes, step)


def judge(series: Series, window: list[Candle], conditions: tuple[UserCondition, ...] = ()) -> Signal:
    rules = with_conditions(build_rules({}), conditions)
    step = series.timeframe_ms
    return analyze(series, window, candle_ts=window[-1].ts, now_ms=window[-1].ts + step + 60_000, rules=rules)


@pytest.mark.parametrize(
    ("key", "lacks"),
    [
        ("coingecko:HYPE-USD:30m", True),
        ("coingecko:HYPE-USD:1h", True),
        ("coingecko:HYPE-USD:4h", True),
        ("coingecko:HYPE-USD:1d", False),
        ("coingecko:HYPE-USD:1w", False),
        ("kraken:HYPE-USD:1h", False),
        ("coingecko-markets:HYPE-USD:1h", False),  # the scan's series have their own table of skipped rules
    ],
)
def test_only_a_coingecko_series_shorter_than_a_day_lacks_a_candles_own_volume(key, lacks):
    assert lacks_candle_volume(Series.parse(key)) is lacks


@pytest.mark.parametrize("timeframe", ["30m", "1h", "4h"])
def test_a_coingecko_series_shorter_than_a_day_skips_the_volume_rules_with_the_reason_and_never_fires_them(
    timeframe,
):
    # Given a CoinGecko series whose last candle rises 5% on ten times its usual stored volume
    series = Series.of("coingecko", "HYPE/USD", timeframe)
    window = surge(series.timeframe_ms)
    # When its last candle is analysed with every built-in rule
    signal = judge(series, window)
    # Then the volume spike and the OBV divergence are named as skipped, with the reason a trader reads
    skipped = {s.rule_id: s.reason for s in signal.skipped}
    assert skipped == {rule: NO_CANDLE_VOLUME for rule in VOLUME_RULES}
    assert "rolling 24-hour volume" in NO_CANDLE_VOLUME and "shorter than a day" in NO_CANDLE_VOLUME
    # and neither fires, while the price rules still judge the candle
    fired = {f.rule_id for f in signal.firings}
    assert not fired & VOLUME_RULES
    assert "bb_breakout" in fired


def test_a_coingecko_daily_and_a_kraken_hourly_series_keep_the_volume_rules():
    # Given the same surge on a CoinGecko daily series (about the day's own volume) and on a Kraken hourly one
    for series in (Series.of("coingecko", "HYPE/USD", "1d"), Series.of("kraken", "HYPE/USD", "1h")):
        # When the last candle is analysed
        signal = judge(series, surge(series.timeframe_ms))
        # Then the volume spike judges it and fires, and no rule is skipped
        assert "volume_spike" in {f.rule_id for f in signal.firings}, series.key
        assert signal.skipped == [], series.key


def test_a_breakout_on_a_coingecko_hourly_series_is_never_called_on_heavy_volume():
    # Given the surge on a CoinGecko hourly series and on a Kraken one
    hype = judge(Series.of("coingecko", "HYPE/USD", "1h"), surge(3_600_000))
    kraken = judge(Series.of("kraken", "HYPE/USD", "1h"), surge(3_600_000))
    # Then the Kraken breakout is strong on heavy volume, the CoinGecko one notable, as with a missing volume
    by_rule = {f.rule_id: f for f in hype.firings}
    assert "on heavy volume" in next(f.sentence for f in kraken.firings if f.rule_id == "bb_breakout")
    assert "on heavy volume" not in by_rule["bb_breakout"].sentence
    assert by_rule["bb_breakout"].severity < next(f.severity for f in kraken.firings if f.rule_id == "bb_breakout")


def test_a_condition_reading_volume_on_a_coingecko_hourly_series_is_skipped_with_the_reason_and_one_on_prices_is_not():
    # Given the user's conditions, one on volume and one on prices, both true on the surge
    series = Series.of("coingecko", "HYPE/USD", "1h")
    # When the last candle is analysed
    signal = judge(series, surge(series.timeframe_ms), (VOLUME_BURST, ROSE_3))
    # Then the volume condition is named as skipped with the reason and does not fire; the price condition fires
    skipped = {s.rule_id: s.reason for s in signal.skipped}
    fired = {f.rule_id for f in signal.firings}
    assert skipped[VOLUME_BURST.rule_id] == NO_CANDLE_VOLUME and VOLUME_BURST.rule_id not in fired
    assert ROSE_3.rule_id in fired and ROSE_3.rule_id not in skipped


def record_volume_window(step: int) -> list[Candle]:
    """300 candles whose last rises 1.2% (a 3% rise 150 candles before is larger) on the largest volume of all."""
    rng = np.random.default_rng(5)
    returns = rng.normal(-0.0005, 0.003, 300)
    returns[150] = 0.03
    returns[-1] = 0.012
    volumes = 1000 + rng.normal(0, 50, 300)
    volumes[-1] = 5000
    return candles(100 * np.exp(np.cumsum(returns)), volumes, step)


def test_the_rarity_of_a_firing_on_a_coingecko_hourly_series_is_never_measured_on_its_volume():
    # Given a candle whose volume is the largest of the window and whose rise is not, judged by a price condition
    # (a user condition's rarity reads the move, the range and the volume)
    window = record_volume_window(3_600_000)
    kraken = judge(Series.of("kraken", "HYPE/USD", "1h"), window, (ROSE_1,))
    hype = judge(Series.of("coingecko", "HYPE/USD", "1h"), window, (ROSE_1,))
    [on_kraken] = [f.rarity for f in kraken.firings if f.rule_id == ROSE_1.rule_id]
    [on_hype] = [f.rarity for f in hype.firings if f.rule_id == ROSE_1.rule_id]
    # Then on Kraken the volume speaks for it (the largest hourly volume of the window)
    assert on_kraken is not None and on_kraken.measure == "volume" and on_kraken.volume_record == 299
    # and on CoinGecko the rarity falls back to the move and the range, with no volume figure at all
    assert on_hype is not None and on_hype.measure in ("move", "range")
    assert on_hype.volume_record is None and on_hype.volume_multiple is None
    assert "volume" not in on_hype.words
    assert on_hype.move_record == on_kraken.move_record == 149  # candles since the 3% rise


def test_the_judged_frame_blanks_every_volume_column_and_leaves_the_shared_frame_as_it_was():
    # Given the indicator frame of a CoinGecko hourly window, as the caller shares it with the model predictions
    frame = indicator_frame(surge(3_600_000)).frame
    before = frame.copy()
    # When the analysis takes the frame its rules judge
    judged = judged_frame(Series.of("coingecko", "HYPE/USD", "1h"), frame)
    # Then every column that reads volume is NaN there, the price columns are as they were, and the shared frame
    # is untouched
    blank = {c for c in judged.columns if judged[c].isna().all()}
    assert {"volume", "volume_ma_20", "obv", "vpt", "mfi_14"} <= blank
    pd.testing.assert_frame_equal(judged[["close", "rsi_14", "bb_upper"]], frame[["close", "rsi_14", "bb_upper"]])
    pd.testing.assert_frame_equal(frame, before)
    # and a Kraken series judges the frame itself
    assert judged_frame(Series.of("kraken", "HYPE/USD", "1h"), frame) is frame

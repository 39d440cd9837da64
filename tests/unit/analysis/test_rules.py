"""Trigger rules: each fires on the candle where its condition starts to hold, and only then."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import ta

from crypto_advisor.analysis import rules as r
from crypto_advisor.analysis.firing import Firing
from crypto_advisor.analysis.rules import build_rules, evaluate_all
from tests.unit.analysis.test_news_rule import news_turning_negative

HOUR = 3_600_000
QUARTER_HOUR = 900_000
FOUR_HOURS = 4 * HOUR
DAY = 24 * HOUR
WEEK = 7 * 24 * HOUR

FrameOf = Callable[..., pd.DataFrame]


def replay(rule, frame: pd.DataFrame, timeframe_ms: int = HOUR, start: int = 2) -> list[tuple[int, Firing]]:
    """Each candle judged as it closed: the rule on every prefix of the frame."""
    found = []
    for end in range(start, len(frame) + 1):
        firing = rule.evaluate(frame.iloc[:end], timeframe_ms)
        if firing is not None:
            found.append((end - 1, firing))
    return found


def first_index(mask: pd.Series | np.ndarray, after: int = 0) -> int:
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[hits >= after][0])


def mirror(closes: list[float]) -> list[float]:
    """The same market upside down: rises become falls."""
    return [200.0 - c for c in closes]


def calm(n: int, seed: int = 7, level: float = 100.0, spread: float = 0.5) -> list[float]:
    """A directionless market: noise around a level."""
    return list(level + np.random.default_rng(seed).normal(0.0, spread, n))


def rally_then_slide() -> list[float]:
    """Forty candles of a wiggly rally, then twenty of steep falls: RSI ends oversold."""
    rally = [100 + 0.5 * i + (0.6 if i % 2 else -0.6) for i in range(40)]
    return rally + [rally[-1] - 2.0 * (i + 1) for i in range(20)]


def slide_then_turn() -> list[float]:
    """Forty candles down, then forty up: the fast lines cross back over the slow ones."""
    return [100 - 0.5 * i for i in range(40)] + [80 + 0.8 * i for i in range(40)]


def quiet_then_jump(jumps: list[float]) -> list[float]:
    return calm(30, spread=0.3) + jumps


def with_rsi(frame_of: FrameOf, tail: list[float]) -> pd.DataFrame:
    """A frame whose RSI is set by hand: a neutral 50 and then ``tail``."""
    frame = frame_of(calm(30 + len(tail)))
    return frame.assign(rsi_14=[50.0] * 30 + tail)


# --- Firing -----------------------------------------------------------------------------


def test_firing_as_dict_carries_every_field():
    # Given a firing
    firing = Firing("rsi_oversold", "bullish", 2, 27.4, 30.0, 2.6, "RSI points", "RSI(14) fell to 27.4.")

    # When it is turned into plain data
    data = firing.as_dict()

    # Then every field is there with its value
    assert data == {
        "rule_id": "rsi_oversold",
        "direction": "bullish",
        "severity": 2,
        "value": 27.4,
        "threshold": 30.0,
        "distance": 2.6,
        "unit": "RSI points",
        "sentence": "RSI(14) fell to 27.4.",
    }


def test_firing_refuses_a_direction_outside_the_three():
    # Given / When a firing is made with a direction no consumer knows / Then it is refused
    with pytest.raises(ValueError, match="sideways"):
        Firing("macd_cross", "sideways", 2, 1.0, 0.5, 0.5, "price units", "MACD crossed.")  # type: ignore[arg-type]


# --- rsi_oversold / rsi_overbought --------------------------------------------------------


def test_rsi_oversold_fires_on_the_candle_rsi_closes_below_30(frame_of):
    # Given a rally followed by a steep slide, up to the first candle with RSI under 30
    frame = frame_of(rally_then_slide())
    t = first_index(frame["rsi_14"] < 30)

    # When the rule judges that candle
    firing = r.RsiOversold().evaluate(frame.iloc[: t + 1], HOUR)

    # Then it fires bullish, saying how far under the line RSI went
    assert firing is not None
    assert firing.direction == "bullish"
    assert firing.value == pytest.approx(frame["rsi_14"].iloc[t])
    assert firing.threshold == 30.0
    assert firing.distance == pytest.approx(30.0 - frame["rsi_14"].iloc[t])
    assert firing.distance > 0
    assert firing.unit == "RSI points"


def test_rsi_oversold_stays_silent_while_rsi_remains_in_the_zone(frame_of):
    # Given the slide goes on and RSI is still under 30 on the next candle
    frame = frame_of(rally_then_slide())
    t = first_index(frame["rsi_14"] < 30)
    assert frame["rsi_14"].iloc[t + 1] < 30

    # When the rule judges that next candle
    firing = r.RsiOversold().evaluate(frame.iloc[: t + 2], HOUR)

    # Then it does not fire again: being in the zone is not entering it
    assert firing is None


def test_rsi_overbought_fires_on_the_candle_rsi_closes_above_70(frame_of):
    # Given a slide followed by a steep rally, up to the first candle with RSI over 70
    frame = frame_of(mirror(rally_then_slide()))
    t = first_index(frame["rsi_14"] > 70)

    # When the rule judges that candle
    firing = r.RsiOverbought().evaluate(frame.iloc[: t + 1], HOUR)

    # Then it fires bearish, RSI past the line by a positive distance
    assert firing is not None
    assert firing.direction == "bearish"
    assert firing.value == pytest.approx(frame["rsi_14"].iloc[t])
    assert firing.threshold == 70.0
    assert firing.distance == pytest.approx(frame["rsi_14"].iloc[t] - 70.0)
    assert firing.distance > 0


def test_rsi_overbought_stays_silent_while_rsi_remains_in_the_zone(frame_of):
    # Given RSI still over 70 on the candle after it entered
    frame = frame_of(mirror(rally_then_slide()))
    t = first_index(frame["rsi_14"] > 70)
    assert frame["rsi_14"].iloc[t + 1] > 70

    # When the rule judges that candle
    firing = r.RsiOverbought().evaluate(frame.iloc[: t + 2], HOUR)

    # Then it does not fire
    assert firing is None


def test_rsi_hysteresis_fires_when_rsi_first_enters_the_zone(frame_of):
    # Given RSI going from 40 to 28
    frame = with_rsi(frame_of, [40.0, 28.0])

    # When the last candle is judged
    firing = r.RsiOversold().evaluate(frame, HOUR)

    # Then it fires, 2 points past the line
    assert firing is not None
    assert (firing.value, firing.threshold, firing.distance) == (28.0, 30.0, 2.0)


def test_rsi_hysteresis_ignores_re_entries_before_rsi_has_left_by_the_margin(frame_of):
    # Given RSI dipping under 30, then wobbling around it but never above 35
    frame = with_rsi(frame_of, [40.0, 28.0, 31.0, 29.0, 34.9, 29.5, 35.0, 29.0])
    entry = len(frame) - 7

    # When every candle is judged as it closed
    fired_at = [t for t, _ in replay(r.RsiOversold(), frame)]

    # Then only the first entry fired
    assert fired_at == [entry]


def test_rsi_hysteresis_fires_again_after_rsi_left_by_the_margin(frame_of):
    # Given RSI dipping under 30, recovering above 35, then dipping again
    frame = with_rsi(frame_of, [40.0, 28.0, 31.0, 36.0, 33.0, 29.0])
    n = len(frame)

    # When every candle is judged as it closed
    fired_at = [t for t, _ in replay(r.RsiOversold(), frame)]

    # Then both entries fired
    assert fired_at == [n - 5, n - 1]


def test_rsi_hysteresis_forgets_zone_visits_older_than_its_lookback(frame_of):
    # Given an oversold visit 7 candles back, never left by the margin since, and a lookback of 5
    frame = with_rsi(frame_of, [40.0, 28.0, 31.0, 32.0, 31.0, 32.0, 31.0, 32.0, 29.0])
    rule = r.RsiOversold(r.RsiOversoldParams(lookback=5))

    # When the re-entry is judged
    firing = rule.evaluate(frame, HOUR)

    # Then the old visit no longer holds the rule back
    assert firing is not None


# --- macd_cross ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closes", "direction"), [(slide_then_turn(), "bullish"), (mirror(slide_then_turn()), "bearish")]
)
def test_macd_cross_fires_when_the_macd_line_crosses_its_signal(frame_of, closes, direction):
    # Given a market that turns, up to the first candle where MACD is on the other side of its signal
    frame = frame_of(closes)
    above = frame["macd"] > frame["macd_signal"]
    t = first_index(above if direction == "bullish" else ~above, after=40)

    # When that candle is judged
    firing = r.MacdCross().evaluate(frame.iloc[: t + 1], HOUR)

    # Then it fires in the direction of the cross, MACD against its signal
    assert firing is not None
    assert firing.direction == direction
    assert firing.value == pytest.approx(frame["macd"].iloc[t])
    assert firing.threshold == pytest.approx(frame["macd_signal"].iloc[t])
    gap = abs(frame["macd"].iloc[t] - frame["macd_signal"].iloc[t])
    assert firing.distance == pytest.approx(gap / frame["close"].iloc[t] * 100)  # % of the price: scale-free
    assert firing.distance > 0 and firing.unit == "% of the price"


def test_a_macd_cross_is_as_strong_at_a_hundred_times_the_price(frame_of):
    # Given the same turn at two price levels, one a hundred times the other
    closes = slide_then_turn()
    low, high = frame_of(closes), frame_of([c * 100 for c in closes])
    t = first_index(low["macd"] > low["macd_signal"], after=40)

    # When the cross is judged on both
    cheap, dear = r.MacdCross().evaluate(low.iloc[: t + 1], HOUR), r.MacdCross().evaluate(high.iloc[: t + 1], HOUR)

    # Then its distance (what its strength against past firings is read from) does not grow with the price
    assert cheap is not None and dear is not None
    assert dear.distance == pytest.approx(cheap.distance, rel=1e-9)
    assert dear.value == pytest.approx(cheap.value * 100, rel=1e-9)


def test_macd_cross_stays_silent_in_a_steady_trend(frame_of):
    # Given a market falling at a steady pace
    frame = frame_of([150 - 0.5 * i for i in range(80)])

    # When every candle is judged
    # Then MACD never crosses its signal
    assert replay(r.MacdCross(), frame) == []


def test_macd_cross_below_zero_is_strong(frame_of):
    # Given a bullish cross that happens with MACD still below zero
    frame = frame_of(slide_then_turn())
    t = first_index(frame["macd"] > frame["macd_signal"], after=40)
    assert frame["macd"].iloc[t] < 0

    # When it is judged
    firing = r.MacdCross().evaluate(frame.iloc[: t + 1], HOUR)

    # Then the turn from an extended fall counts as strong
    assert firing is not None and firing.severity == 3


# --- bb_breakout --------------------------------------------------------------------------


@pytest.mark.parametrize(("jump", "direction", "band"), [(103.0, "bullish", "bb_upper"), (97.0, "bearish", "bb_lower")])
def test_bb_breakout_fires_when_the_close_leaves_the_bands(frame_of, jump, direction, band):
    # Given a quiet market whose last candle closes far from its average
    frame = frame_of(quiet_then_jump([jump]))

    # When that candle is judged
    firing = r.BollingerBreakout().evaluate(frame, HOUR)

    # Then it fires in the direction of the break, the close against the band
    assert firing is not None
    assert firing.direction == direction
    assert firing.value == jump
    assert firing.threshold == pytest.approx(frame[band].iloc[-1])
    assert firing.distance == pytest.approx(abs(jump - frame[band].iloc[-1]) / frame[band].iloc[-1] * 100)
    assert firing.distance > 0
    assert firing.unit == "%"


def test_bb_breakout_stays_silent_on_the_next_candle_outside_the_band(frame_of):
    # Given the candle after a breakout, still closing above the upper band
    frame = frame_of(quiet_then_jump([103.0, 106.0]))
    assert frame["close"].iloc[-1] > frame["bb_upper"].iloc[-1]

    # When it is judged
    firing = r.BollingerBreakout().evaluate(frame, HOUR)

    # Then it does not fire: staying outside is not breaking out
    assert firing is None


def test_bb_breakout_on_heavy_volume_is_strong(frame_of):
    # Given a breakout on twice the usual volume
    frame = frame_of(quiet_then_jump([103.0]), [100.0] * 30 + [200.0])

    # When it is judged
    firing = r.BollingerBreakout().evaluate(frame, HOUR)

    # Then it counts as strong
    assert firing is not None and firing.severity == 3


# --- bb_squeeze ---------------------------------------------------------------------------


def squeezing(frame_of: FrameOf) -> pd.DataFrame:
    """A volatile market that goes quiet at candle 160."""
    return frame_of(calm(160, seed=1, spread=3.0) + calm(40, seed=2, spread=0.2))


def test_bb_squeeze_fires_when_the_bands_become_the_narrowest_of_120_candles(frame_of):
    # Given a volatile market that goes quiet
    frame = squeezing(frame_of)
    width = frame["bb_width"]
    narrowest_before = width.rolling(119).min().shift(1)

    # When every candle of the quiet stretch is judged
    found = replay(r.BollingerSqueeze(), frame, start=161)

    # Then it first fired where the width fell to the narrowest of the window, against the 119 candles before
    t, firing = found[0]
    assert t == first_index(width <= narrowest_before, after=160)
    assert firing.direction == "neutral"
    assert firing.value == pytest.approx(width.iloc[t])
    assert firing.threshold == pytest.approx(narrowest_before.iloc[t])
    assert firing.distance > 0


def test_bb_squeeze_stays_silent_while_the_squeeze_keeps_tightening(frame_of):
    # Given the candle after a squeeze began, narrower still
    frame = squeezing(frame_of)
    t = replay(r.BollingerSqueeze(), frame, start=161)[0][0]
    assert frame["bb_width"].iloc[t + 1] < frame["bb_width"].iloc[t]

    # When it is judged / Then it does not fire again
    assert r.BollingerSqueeze().evaluate(frame.iloc[: t + 2], HOUR) is None


def test_bb_squeeze_stays_silent_while_the_bands_widen(frame_of):
    # Given a quiet market that turns volatile
    frame = frame_of(calm(160, seed=1, spread=0.2) + calm(40, seed=2, spread=3.0))

    # When every candle of the volatile stretch is judged
    # Then the bands never are at their narrowest
    assert replay(r.BollingerSqueeze(), frame, start=161) == []


# --- ema_cross ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closes", "direction"), [(slide_then_turn(), "bullish"), (mirror(slide_then_turn()), "bearish")]
)
def test_ema_cross_fires_when_ema_9_crosses_ema_21(frame_of, closes, direction):
    # Given a market that turns, judged candle by candle
    frame = frame_of(closes)

    # When every candle is judged
    found = replay(r.EmaCross(), frame)

    # Then it fired once, where EMA 9 first closed on the other side of EMA 21
    above = frame["ema_9"] > frame["ema_21"]
    assert [t for t, _ in found] == [first_index(above if direction == "bullish" else ~above, after=40)]
    t, firing = found[0]
    assert firing.direction == direction
    assert firing.value == pytest.approx(frame["ema_9"].iloc[t])
    assert firing.threshold == pytest.approx(frame["ema_21"].iloc[t])
    assert firing.distance > 0


def test_ema_cross_stays_silent_in_a_steady_trend(frame_of):
    # Given a market rising at a steady pace
    frame = frame_of([100 + 0.5 * i for i in range(80)])

    # When every candle is judged / Then EMA 9 never crosses EMA 21
    assert replay(r.EmaCross(), frame) == []


# --- golden_death_cross -------------------------------------------------------------------

LONG_TURN = [200 - 0.4 * i for i in range(250)] + [100 + 0.8 * i for i in range(100)]


@pytest.mark.parametrize(("closes", "direction"), [(LONG_TURN, "bullish"), (mirror(LONG_TURN), "bearish")])
def test_golden_death_cross_fires_when_sma_50_crosses_sma_200(frame_of, closes, direction):
    # Given a long decline that turns (or its mirror), up to where SMA 50 first closes across SMA 200
    frame = frame_of([c + 100 for c in closes])
    above = frame["sma_50"] > frame["sma_200"]
    t = first_index(above if direction == "bullish" else ~above, after=200)

    # When that candle is judged
    firing = r.GoldenDeathCross().evaluate(frame.iloc[: t + 1], HOUR)

    # Then a golden (or death) cross is reported as strong
    assert firing is not None
    assert firing.direction == direction
    assert firing.severity == 3
    assert firing.value == pytest.approx(frame["sma_50"].iloc[t])
    assert firing.threshold == pytest.approx(frame["sma_200"].iloc[t])
    assert firing.distance > 0
    assert firing.sentence.startswith("Golden cross" if direction == "bullish" else "Death cross")


def test_golden_death_cross_stays_silent_while_sma_50_stays_above(frame_of):
    # Given a long steady rise
    frame = frame_of([100 + 0.2 * i for i in range(260)])

    # When every candle from the first SMA 200 on is judged / Then there is no cross
    assert replay(r.GoldenDeathCross(), frame, start=200) == []


# --- sma20_cross --------------------------------------------------------------------------


@pytest.mark.parametrize(("jump", "direction"), [(103.0, "bullish"), (97.0, "bearish")])
def test_sma20_cross_fires_when_the_close_crosses_sma_20(frame_of, jump, direction):
    # Given a market drifting the other way, then a candle closing across its SMA 20
    drift = -0.1 if direction == "bullish" else 0.1
    frame = frame_of([100 + drift * i for i in range(40)] + [jump])

    # When that candle is judged
    firing = r.Sma20Cross().evaluate(frame, HOUR)

    # Then it fires in that direction, the close against SMA 20
    assert firing is not None
    assert firing.direction == direction
    assert firing.value == jump
    assert firing.threshold == pytest.approx(frame["sma_20"].iloc[-1])
    assert firing.distance == pytest.approx(abs(jump / frame["sma_20"].iloc[-1] - 1) * 100)


def test_sma20_cross_stays_silent_while_the_close_stays_above(frame_of):
    # Given the candle after a cross, closing above SMA 20 again
    frame = frame_of([100 - 0.1 * i for i in range(40)] + [103.0, 104.0])

    # When it is judged / Then nothing was crossed
    assert r.Sma20Cross().evaluate(frame, HOUR) is None


# --- adx_trend ----------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "direction"), [(0.8, "bullish"), (-0.8, "bearish")])
def test_adx_trend_fires_when_adx_rises_through_25(frame_of, step, direction):
    # Given a directionless market that starts to trend, judged candle by candle
    base = calm(80)
    frame = frame_of(base + [base[-1] + step * (i + 1) for i in range(40)])

    # When every candle is judged
    found = replay(r.AdxTrend(), frame)

    # Then it fired once, where ADX crossed 25, in the direction of the leading DI
    assert [t for t, _ in found] == [first_index(frame["adx_14"] > 25, after=80)]
    t, firing = found[0]
    assert firing.direction == direction
    assert firing.value == pytest.approx(frame["adx_14"].iloc[t])
    assert firing.threshold == 25.0
    assert firing.distance == pytest.approx(frame["adx_14"].iloc[t] - 25)
    assert firing.distance > 0


def test_adx_trend_stays_silent_in_a_directionless_market(frame_of):
    # Given a market without a trend
    frame = frame_of(calm(100))

    # When every candle is judged / Then ADX never rises through 25
    assert replay(r.AdxTrend(), frame) == []


# --- volume_spike -------------------------------------------------------------------------


@pytest.mark.parametrize(("jump", "direction"), [(101.0, "bullish"), (99.0, "bearish")])
def test_volume_spike_fires_against_the_average_before_the_spike(frame_of, jump, direction):
    # Given steady volume of 100, then a candle trading 500
    frame = frame_of(quiet_then_jump([jump]), [100.0] * 30 + [500.0])

    # When that candle is judged
    firing = r.VolumeSpike().evaluate(frame, HOUR)

    # Then it is 5x the average of the candles before it (not 4.2x of an average that includes it),
    # in the direction the candle moved
    assert firing is not None
    assert firing.direction == direction
    assert (firing.value, firing.threshold, firing.distance) == (5.0, 3.0, 2.0)
    assert firing.unit == "x average"


def test_volume_spike_stays_silent_on_the_second_heavy_candle(frame_of):
    # Given two heavy candles in a row
    frame = frame_of(quiet_then_jump([101.0, 102.0]), [100.0] * 30 + [500.0, 500.0])

    # When the second is judged / Then it does not fire: the spike began a candle earlier
    assert r.VolumeSpike().evaluate(frame, HOUR) is None


def test_volume_spike_stays_silent_below_three_times_the_average(frame_of):
    # Given a candle trading 2.5x the average
    frame = frame_of(quiet_then_jump([101.0]), [100.0] * 30 + [250.0])

    # When it is judged / Then it is not a spike
    assert r.VolumeSpike().evaluate(frame, HOUR) is None


# --- price_change_1h / price_change_24h -----------------------------------------------------


@pytest.mark.parametrize(("jump", "direction", "threshold"), [(103.5, "bullish", 3.0), (96.5, "bearish", -3.0)])
def test_price_change_1h_fires_on_a_move_beyond_3_percent_in_an_hour(frame_of, jump, direction, threshold):
    # Given hourly candles at 100, then one closing 3.5% away
    frame = frame_of([100.0] * 30 + [jump])

    # When that candle is judged
    firing = r.PriceChange1h().evaluate(frame, HOUR)

    # Then it fires in the direction of the move, 0.5 points past the line
    assert firing is not None
    assert firing.direction == direction
    assert firing.value == pytest.approx(jump - 100.0)
    assert firing.threshold == threshold
    assert firing.distance == pytest.approx(0.5)


def test_price_change_1h_counts_four_quarter_hour_candles(frame_of):
    # Given 15-minute candles each rising 0.8%
    frame = frame_of([100.0] * 30 + [100.0 * 1.008**i for i in range(1, 6)], timeframe_ms=QUARTER_HOUR)

    # When every candle is judged on the 15-minute timeframe
    found = replay(r.PriceChange1h(), frame, QUARTER_HOUR)

    # Then it fired once, on the fourth rising candle (3.2% over four candles; three made 2.4%)
    assert [t for t, _ in found] == [33]
    assert found[0][1].value == pytest.approx((1.008**4 - 1) * 100)


def test_price_change_1h_does_not_apply_to_candles_longer_than_an_hour(frame_of):
    # Given a 10% jump on a 4-hour candle
    frame = frame_of([100.0] * 30 + [110.0], timeframe_ms=FOUR_HOURS)

    # When it is judged on the 4h timeframe / Then the rule does not apply
    assert r.PriceChange1h().evaluate(frame, FOUR_HOURS) is None


def test_price_change_1h_stays_silent_on_a_smaller_move(frame_of):
    # Given a 2.5% move in an hour
    frame = frame_of([100.0] * 30 + [102.5])

    # When it is judged / Then it is not past 3%
    assert r.PriceChange1h().evaluate(frame, HOUR) is None


def test_price_change_24h_fires_when_the_day_move_passes_8_percent(frame_of):
    # Given hourly candles at 100, then a steady climb of 0.5 per hour
    frame = frame_of([100.0] * 30 + [100.0 + 0.5 * i for i in range(1, 30)])

    # When every candle is judged
    found = replay(r.PriceChange24h(), frame)

    # Then it fired once, on the first candle more than 8% above the close 24 candles earlier
    change = (frame["close"] / frame["close"].shift(24) - 1) * 100
    assert [t for t, _ in found] == [first_index(change > 8)]
    t, firing = found[0]
    assert firing.direction == "bullish"
    assert firing.value == pytest.approx(change.iloc[t])
    assert firing.threshold == 8.0
    assert firing.distance > 0


@pytest.mark.parametrize(
    ("rule", "timeframe_ms", "moves"),
    [
        # a coin up 10% one day and 44% the next (XRP/USD, 2021-04-04 and 05, in shape)
        (r.PriceChange24h(), DAY, (1.10, 1.44)),
        # two 4% hourly drops in a row
        (r.PriceChange1h(), HOUR, (0.96, 0.96)),
    ],
)
def test_price_change_over_one_candle_fires_on_each_candle_past_the_line(frame_of, rule, timeframe_ms, moves):
    # Given candles at 100, then two candles each moving past the rule's line, its window being one candle
    closes = [100.0] * 30
    for move in moves:
        closes.append(closes[-1] * move)
    frame = frame_of(closes, timeframe_ms=timeframe_ms)

    # When every candle is judged
    found = replay(rule, frame, timeframe_ms)

    # Then each move fired on its own candle: the second shares no candle with the first, it is a move of its own
    assert [t for t, _ in found] == [30, 31]
    assert [f.value for _, f in found] == pytest.approx([(m - 1) * 100 for m in moves])
    assert found[1][1].severity == (3 if moves[1] >= 1.2 else 2)


def test_price_change_24h_fires_again_when_the_day_move_passes_twice_its_line(frame_of):
    # Given hourly candles at 100, then a climb of 1 per hour for 24 hours, then 3% a candle for three hours, then a
    # slide back
    climb = [100.0 + i for i in range(1, 25)]
    surge = [climb[-1] * 1.03**i for i in range(1, 4)]
    frame = frame_of([100.0] * 30 + climb + surge + [surge[-1] * 0.99**i for i in range(1, 6)])

    # When every candle is judged
    found = replay(r.PriceChange24h(), frame)

    # Then it fired when the day's move passed 8%, again (strong) when it passed 16%, and not while it kept above 16%
    # or fell back towards 8%
    change = (frame["close"] / frame["close"].shift(24) - 1) * 100
    assert [t for t, _ in found] == [first_index(change > 8), first_index(change >= 16)]
    assert [f.severity for _, f in found] == [2, 3]
    assert [f.direction for _, f in found] == ["bullish", "bullish"]
    # ... each saying which line it passed
    assert found[0][1].sentence.endswith(", past the 8% line.")
    assert found[1][1].sentence.endswith(", past twice the 8% line.")
    assert (change.iloc[first_index(change >= 16) + 1 :] > 8).all()  # the move stayed past the line throughout


def test_price_change_24h_names_a_reversal_past_the_other_line(frame_of):
    # Given hourly candles that rose 20% in a day and then fell 20% in the next
    up = [100.0 * 1.2 ** (i / 24) for i in range(1, 25)]
    down = [up[-1] * 0.8 ** (i / 24) for i in range(1, 25)]
    frame = frame_of([100.0] * 30 + up + down)

    # When every candle is judged
    found = replay(r.PriceChange24h(), frame)

    # Then the rise fired twice (8%, 16%) and the fall twice, once it was past -8% then -16% over 24 hours
    assert [f.direction for _, f in found] == ["bullish", "bullish", "bearish", "bearish"]
    assert [f.severity for _, f in found] == [2, 3, 2, 3]


def test_price_change_24h_does_not_apply_to_weekly_candles(frame_of):
    # Given a 20% jump on a weekly candle
    frame = frame_of([100.0] * 30 + [120.0], timeframe_ms=WEEK)

    # When it is judged on the 1w timeframe / Then the rule does not apply
    assert r.PriceChange24h().evaluate(frame, WEEK) is None


# --- fib_cross ----------------------------------------------------------------------------

SWING = calm(30, spread=0.2) + list(np.linspace(100, 200, 50)) + list(np.linspace(197, 130, 30))


@pytest.mark.parametrize(("closes", "direction"), [(SWING, "bearish"), (mirror(SWING), "bullish")])
def test_fib_cross_fires_when_the_close_crosses_the_618_level(frame_of, closes, direction):
    # Given a swing and a retracement, up to the first close beyond the 61.8% level
    frame = frame_of([c + 100 for c in closes], fib_lookback=80)
    level = frame["fib_618"].shift(1)
    t = first_index(frame["close"] < level if direction == "bearish" else frame["close"] > level, after=80)

    # When that candle is judged
    firing = r.FibCross().evaluate(frame.iloc[: t + 1], HOUR)

    # Then it names the level and reports the close against it, as the swing stood before the candle
    assert firing is not None
    assert firing.direction == direction
    assert "61.8%" in firing.sentence
    assert firing.value == frame["close"].iloc[t]
    assert firing.threshold == pytest.approx(frame["fib_618"].iloc[t - 1])
    assert firing.distance > 0


def test_fib_cross_judges_a_breakout_against_the_swing_before_it(frame_of):
    # Given a swing top at 200 and a candle breaking out to 260, a high that redraws the levels under it
    frame = frame_of(calm(30, spread=0.2) + list(np.linspace(100, 200, 50)) + [260.0], fib_lookback=80)
    assert 200.0 < frame["fib_236"].iloc[-1] < 260.0

    # When the breakout candle is judged
    firing = r.FibCross().evaluate(frame, HOUR)

    # Then it crossed no level: every level of the swing it broke out of was already below the close before
    assert firing is None


def test_fib_cross_stays_silent_between_two_levels(frame_of):
    # Given a flat close sitting between the 50% and 38.2% levels of a swing
    frame = frame_of(calm(30, spread=0.2) + list(np.linspace(100, 200, 50)) + [155.0, 155.0], fib_lookback=80)
    assert frame["fib_500"].iloc[-1] < 155.0 < frame["fib_382"].iloc[-1]

    # When the second candle at that price is judged / Then no level was crossed
    assert r.FibCross().evaluate(frame, HOUR) is None


# --- obv_divergence -----------------------------------------------------------------------

# A rally on heavy volume, a pullback on heavy volume, then a creep to new highs on thin volume.
CREEP = (
    calm(30, spread=0.2)
    + list(np.linspace(101, 110, 15))
    + list(np.linspace(109, 104, 6))
    + list(np.linspace(105, 112, 8))
)
CREEP_VOLUME = [100.0] * 30 + [1000.0] * 21 + [10.0] * 8


@pytest.mark.parametrize(("closes", "direction"), [(CREEP, "bearish"), (mirror(CREEP), "bullish")])
def test_obv_divergence_fires_on_a_new_extreme_that_obv_does_not_confirm(frame_of, closes, direction):
    # Given a new 20-candle high (or low, mirrored) reached on thin volume
    frame = frame_of(closes, CREEP_VOLUME)

    # When every candle is judged
    found = replay(r.ObvDivergence(), frame, start=40)

    # Then it fired once, on the first close beyond the 20-candle extreme, OBV short of its own
    close = frame["close"]
    beyond = (
        close > close.rolling(19).max().shift(1) if direction == "bearish" else close < close.rolling(19).min().shift(1)
    )
    assert [t for t, _ in found] == [first_index(beyond, after=51)]
    t, firing = found[0]
    obv = frame["obv"].iloc[t - 19 : t]
    assert firing.direction == direction
    assert firing.value == frame["obv"].iloc[t]
    assert firing.threshold == (obv.max() if direction == "bearish" else obv.min())
    assert firing.distance > 0


def test_obv_divergence_stays_silent_when_volume_confirms_the_rally(frame_of):
    # Given a steady rally on steady volume (OBV rising with price)
    frame = frame_of(list(np.linspace(100, 130, 60)))

    # When every candle is judged / Then there is nothing to diverge
    assert replay(r.ObvDivergence(), frame) == []


# --- atr_spike ----------------------------------------------------------------------------


def with_wide_candle(frame_of: FrameOf, extra: int = 0) -> pd.DataFrame:
    """A calm market whose candle 80 has a long upper wick, then ``extra`` calm candles."""
    frame = frame_of(calm(81 + extra, spread=0.1), wick=0.001)
    frame.loc[80, "high"] = frame.loc[80, "close"] * 1.05
    return frame.assign(
        atr_14=ta.volatility.AverageTrueRange(frame.high, frame.low, frame.close, 14).average_true_range()
    )


def test_atr_spike_fires_when_atr_jumps_above_1_5_times_its_average(frame_of):
    # Given a calm market and one candle with a long wick
    frame = with_wide_candle(frame_of)

    # When that candle is judged
    firing = r.AtrSpike().evaluate(frame, HOUR)

    # Then ATR is reported as a multiple of its mean over the 50 candles before
    assert firing is not None
    assert firing.direction == "neutral"
    assert firing.value == pytest.approx(frame["atr_14"].iloc[80] / frame["atr_14"].iloc[30:80].mean())
    assert firing.threshold == 1.5
    assert firing.distance == pytest.approx(firing.value - 1.5)
    assert firing.distance > 0


def test_atr_spike_stays_silent_on_the_candle_after(frame_of):
    # Given the candle after the wide one, ATR still high
    frame = with_wide_candle(frame_of, extra=1)

    # When it is judged / Then the spike is not news any more
    assert r.AtrSpike().evaluate(frame, HOUR) is None


# --- every rule ---------------------------------------------------------------------------


def _rsi_oversold(frame_of):
    frame = frame_of(rally_then_slide())
    return r.RsiOversold(), frame.iloc[: first_index(frame["rsi_14"] < 30) + 1], HOUR


def _rsi_overbought(frame_of):
    frame = frame_of(mirror(rally_then_slide()))
    return r.RsiOverbought(), frame.iloc[: first_index(frame["rsi_14"] > 70) + 1], HOUR


def _macd(frame_of):
    frame = frame_of(slide_then_turn())
    return r.MacdCross(), frame.iloc[: first_index(frame["macd"] > frame["macd_signal"], after=40) + 1], HOUR


def _squeeze(frame_of):
    frame = squeezing(frame_of)
    return r.BollingerSqueeze(), frame.iloc[: replay(r.BollingerSqueeze(), frame, start=161)[0][0] + 1], HOUR


def _ema(frame_of):
    frame = frame_of(slide_then_turn())
    return r.EmaCross(), frame.iloc[: first_index(frame["ema_9"] > frame["ema_21"], after=40) + 1], HOUR


def _golden(frame_of):
    frame = frame_of([c + 100 for c in LONG_TURN])
    return r.GoldenDeathCross(), frame.iloc[: first_index(frame["sma_50"] > frame["sma_200"], after=200) + 1], HOUR


def _adx(frame_of):
    base = calm(80)
    frame = frame_of(base + [base[-1] + 0.8 * (i + 1) for i in range(40)])
    return r.AdxTrend(), frame.iloc[: first_index(frame["adx_14"] > 25, after=80) + 1], HOUR


def _fib(frame_of):
    frame = frame_of([c + 100 for c in SWING], fib_lookback=80)
    return r.FibCross(), frame.iloc[: first_index(frame["close"] < frame["fib_618"].shift(1), after=80) + 1], HOUR


def _obv(frame_of):
    frame = frame_of(CREEP, CREEP_VOLUME)
    return r.ObvDivergence(), frame.iloc[: replay(r.ObvDivergence(), frame, start=40)[0][0] + 1], HOUR


FIRING_SCENARIOS: dict[str, Callable[[FrameOf], tuple]] = {
    "rsi_oversold": _rsi_oversold,
    "rsi_overbought": _rsi_overbought,
    "macd_cross": _macd,
    "bb_breakout": lambda f: (r.BollingerBreakout(), f(quiet_then_jump([103.0])), HOUR),
    "bb_squeeze": _squeeze,
    "ema_cross": _ema,
    "golden_death_cross": _golden,
    "sma20_cross": lambda f: (r.Sma20Cross(), f([100 - 0.1 * i for i in range(40)] + [103.0]), HOUR),
    "adx_trend": _adx,
    "volume_spike": lambda f: (r.VolumeSpike(), f(quiet_then_jump([101.0]), [100.0] * 30 + [500.0]), HOUR),
    "price_change_1h": lambda f: (r.PriceChange1h(), f([100.0] * 30 + [96.5]), HOUR),
    "price_change_24h": lambda f: (r.PriceChange24h(), f([100.0] * 30 + [91.0]), HOUR),
    "fib_cross": _fib,
    "obv_divergence": _obv,
    "atr_spike": lambda f: (r.AtrSpike(), with_wide_candle(f), HOUR),
    "news_sentiment": news_turning_negative,
}

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?[KMB]?")
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9}


def numbers_in(sentence: str) -> list[float]:
    found = []
    for token in _NUMBER.findall(sentence):
        scale = _SCALE.get(token[-1], 1.0)
        found.append(float(token.rstrip("KMB").replace(",", "")) * scale)
    return found


def states(number: float, numbers: list[float]) -> bool:
    """Whether ``number`` is among ``numbers`` as rounded for reading (sign given by the words)."""
    return any(math.isclose(abs(number), abs(n), rel_tol=0.01, abs_tol=0.06) for n in numbers)


def test_every_rule_has_a_firing_scenario():
    # Given / When the scenarios are listed / Then every rule is covered
    assert set(FIRING_SCENARIOS) == set(r.RULES_BY_ID)


@pytest.mark.parametrize("rule_id", list(FIRING_SCENARIOS))
def test_every_sentence_states_the_value_and_the_threshold(frame_of, rule_id):
    # Given a candle on which the rule fires
    rule, frame, timeframe_ms = FIRING_SCENARIOS[rule_id](frame_of)

    # When it is judged
    firing = rule.evaluate(frame, timeframe_ms)

    # Then its one sentence carries both numbers, as a trader would read them
    assert firing is not None and firing.rule_id == rule_id
    numbers = numbers_in(firing.sentence)
    assert states(firing.value, numbers), firing.sentence
    assert states(firing.threshold, numbers), firing.sentence
    assert firing.sentence.endswith(".")
    assert firing.distance >= 0


# --- build_rules --------------------------------------------------------------------------


def test_build_rules_without_config_gives_every_rule_with_its_defaults():
    # Given no config
    # When the rules are built
    rules = build_rules(None)

    # Then every rule is there, with the documented defaults
    by_id = {rule.id: rule for rule in rules}
    assert list(by_id) == list(r.RULES_BY_ID)
    assert by_id["rsi_oversold"].params == r.RsiOversoldParams(level=30.0, hysteresis=5.0, lookback=200)
    assert by_id["volume_spike"].params.factor == 3.0
    assert by_id["bb_squeeze"].params.window == 120


def test_build_rules_applies_overrides_from_config():
    # Given a config that moves the oversold line and the spike factor (as YAML writes them, ints)
    config = {"rsi_oversold": {"level": 25}, "volume_spike": {"factor": 4}}

    # When the rules are built
    by_id = {rule.id: rule for rule in build_rules(config)}

    # Then those params changed and are floats, the others kept their defaults
    assert by_id["rsi_oversold"].params == r.RsiOversoldParams(level=25.0)
    assert isinstance(by_id["rsi_oversold"].params.level, float)
    assert by_id["volume_spike"].params.factor == 4.0
    assert by_id["rsi_overbought"].params.level == 70.0


def test_build_rules_leaves_out_disabled_rules():
    # Given a config turning the squeeze off
    # When the rules are built
    ids = [rule.id for rule in build_rules({"bb_squeeze": {"enabled": False}})]

    # Then it is the only one missing
    assert ids == [rule_id for rule_id in r.RULES_BY_ID if rule_id != "bb_squeeze"]


def test_build_rules_names_an_unknown_rule():
    # Given / When a config names a rule that does not exist / Then the error names it
    with pytest.raises(ValueError, match="unknown rule 'rsi_oversld'"):
        build_rules({"rsi_oversld": {"level": 25}})


def test_build_rules_names_an_unknown_param_and_its_rule():
    # Given / When a param is misspelled / Then the error names the rule and the param
    with pytest.raises(ValueError, match="rule 'rsi_oversold': unknown param 'lvl'"):
        build_rules({"rsi_oversold": {"lvl": 25}})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"volume_spike": {"factor": 0.5}}, "rule 'volume_spike': param 'factor' must be > 1"),
        ({"volume_spike": {"factor": "high"}}, "rule 'volume_spike': param 'factor' must be a number"),
        ({"bb_squeeze": {"window": 12.5}}, "rule 'bb_squeeze': param 'window' must be a whole number"),
        ({"macd_cross": {"fast": 12}}, "rule 'macd_cross': unknown param 'fast'"),
    ],
)
def test_build_rules_names_a_bad_param_value(config, message):
    # Given / When a param value cannot be used / Then the error names the rule and the param
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rules(config)


def test_build_rules_reports_every_problem_at_once():
    # Given a config with two unrelated mistakes
    config = {"nope": {}, "atr_spike": {"window": 0}}

    # When the rules are built
    with pytest.raises(ValueError) as raised:
        build_rules(config)

    # Then both are reported
    assert "unknown rule 'nope'" in str(raised.value)
    assert "rule 'atr_spike': param 'window'" in str(raised.value)


# --- evaluate_all -------------------------------------------------------------------------


def test_evaluate_all_reports_every_rule_that_fired_in_rule_order(frame_of):
    # Given a market drifting down, then a candle jumping 3.5% on five times the volume
    frame = frame_of([100 - 0.05 * i for i in range(30)] + [102.0], [100.0] * 30 + [500.0])

    # When all rules judge it
    firings = evaluate_all(frame, build_rules(), HOUR)

    # Then everything that candle set off is reported, in rule order
    assert [f.rule_id for f in firings] == [
        "rsi_overbought",
        "bb_breakout",
        "ema_cross",
        "sma20_cross",
        "volume_spike",
        "price_change_1h",
        "obv_divergence",
    ]


def test_evaluate_all_names_a_missing_column(frame_of):
    # Given a frame without the RSI column
    frame = frame_of(calm(40)).drop(columns=["rsi_14"])

    # When all rules judge it / Then the error names the column and the rule that needs it
    with pytest.raises(ValueError, match="rule 'rsi_oversold' needs column 'rsi_14'"):
        evaluate_all(frame, build_rules(), HOUR)


def test_rules_do_not_apply_while_their_indicators_warm_up(frame_of):
    # Given the first candles of a market, where long indicators are still NaN
    frame = frame_of(slide_then_turn()[:40])

    # When the golden cross rule judges each of them / Then it never fires, having no SMA 200
    assert replay(r.GoldenDeathCross(), frame) == []


# --- no lookahead, replay equals live -----------------------------------------------------


def market(n: int, seed: int) -> list[float]:
    """A seeded random walk with regime changes, lively enough to fire most rules."""
    rng = np.random.default_rng(seed)
    vol = np.repeat(rng.uniform(0.003, 0.03, n // 40 + 1), 40)[:n]
    return list(100 * np.exp(np.cumsum(rng.normal(0, vol))))


def test_rules_read_no_row_after_the_candle_they_judge(frame_of):
    # Given one market, and the same market up to candle 300 with a different future
    closes = market(400, seed=3)
    volumes = list(np.random.default_rng(4).lognormal(5, 0.6, 400))
    actual = frame_of(closes, volumes)
    other = frame_of(closes[:300] + mirror(closes[300:]), volumes[:300] + volumes[300:][::-1])
    rules = build_rules()

    # When each candle up to 300 is judged as it closed, in both
    seen = [evaluate_all(actual.iloc[: t + 1], rules, HOUR) for t in range(1, 300)]
    seen_other = [evaluate_all(other.iloc[: t + 1], rules, HOUR) for t in range(1, 300)]

    # Then the firings are the same: the future played no part (and there were some)
    assert seen == seen_other
    assert sum(len(f) for f in seen) > 20


def test_replaying_the_archive_gives_what_a_live_window_saw(frame_of):
    # Given a long history, and live windows of the last 300 candles indexed by time
    closes = market(500, seed=5)
    volumes = list(np.random.default_rng(6).lognormal(5, 0.6, 500))
    history = frame_of(closes, volumes)
    rules = build_rules()

    # When each candle from 300 on is judged on the whole history and on its live window
    replayed = [evaluate_all(history.iloc[: t + 1], rules, HOUR) for t in range(300, 500)]
    live = [
        evaluate_all(history.iloc[t - 299 : t + 1].set_index("ts", drop=False), rules, HOUR) for t in range(300, 500)
    ]

    # Then both saw the same firings
    assert replayed == live
    assert {f.rule_id for firings in replayed for f in firings} >= {"rsi_oversold", "rsi_overbought", "macd_cross"}

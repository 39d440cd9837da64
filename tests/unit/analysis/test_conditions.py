"""The user's own conditions: the language (parsed, never eval'd), and the rule that judges it on the frame."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest

from crypto_advisor.analysis.replay import replay
from crypto_advisor.analysis.rule_titles import title_of
from crypto_advisor.analysis.rules import build_rules, condition_rules, with_conditions
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.conditions import (
    COLUMN_ALIASES,
    CONDITION_COLUMNS,
    INDICATOR_COLUMN_NAMES,
    Column,
    Comparison,
    ConditionError,
    Crossing,
    Junction,
    Not,
    condition_name,
    condition_rule_id,
    is_user_condition,
    parse_condition,
    walk,
)
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import MAX_SENTENCE_CHARS, FiringRecord
from crypto_advisor.contracts.watchlist import UserCondition
from crypto_advisor.market.indicator_spec import INDICATOR_COLUMNS
from tests.fakes.analysis import Signals
from tests.fakes.candles import FakeCandles

HOUR = 3_600_000
EXAMPLE = "rsi_14 crosses below 25 and volume > 3 * volume_sma_20"


def condition(expression: str, **fields) -> UserCondition:
    return UserCondition(name=fields.pop("name", expression), expression=expression, **fields)


def rule_of(expression: str, **fields):
    (rule,) = condition_rules([condition(expression, **fields)])
    return rule


def fired_at(rule, frame: pd.DataFrame) -> list[int]:
    """The rows on which the rule fires when each is the candle just closed."""
    return [n - 1 for n in range(1, len(frame) + 1) if rule.evaluate(frame.iloc[:n], HOUR) is not None]


# --- the column names --------------------------------------------------------------------------------------------


def test_the_contracts_column_names_are_the_indicator_specs():
    # Given the names the watchlist check accepts (contracts cannot import the market package)
    # Then they are exactly the columns the analysis frame carries, in order, and the aliases name real columns
    assert INDICATOR_COLUMN_NAMES == INDICATOR_COLUMNS
    assert set(COLUMN_ALIASES.values()) <= set(CONDITION_COLUMNS)
    assert not set(COLUMN_ALIASES) & set(CONDITION_COLUMNS)


# --- parsing -----------------------------------------------------------------------------------------------------


def test_the_example_parses_as_a_crossing_and_a_comparison_with_the_alias_resolved():
    # When the example is parsed
    parsed = parse_condition(EXAMPLE)

    # Then it is "crossing and comparison", the comparison's right side a product, volume_sma_20 read as volume_ma_20
    assert isinstance(parsed.root, Junction) and parsed.root.op == "and"
    crossing, comparison = parsed.root.operands
    assert (
        isinstance(crossing, Crossing) and crossing.direction == "below" and crossing.text == "rsi_14 crosses below 25"
    )
    assert isinstance(comparison, Comparison) and comparison.op == ">"
    assert comparison.right.text == "3 * volume_sma_20"
    assert parsed.columns == {"rsi_14", "volume", "volume_ma_20"}
    assert parsed.lookback == 1  # the crossing reads the candle before


def test_precedence_is_not_then_and_then_or_and_arithmetic_binds_tighter_than_comparison():
    # When a condition mixing the three is parsed
    parsed = parse_condition("not close > 1 or open < 2 and high + 1 * 2 >= low")

    # Then "or" is at the top, "not" takes only the first comparison, "and" the two on its right
    root = parsed.root
    assert isinstance(root, Junction) and root.op == "or"
    left, right = root.operands
    assert isinstance(left, Not) and left.operand.text == "close > 1"
    assert isinstance(right, Junction) and right.op == "and"
    assert [t.text for t in right.operands] == ["open < 2", "high + 1 * 2 >= low"]
    assert right.operands[1].left.right.text == "1 * 2"  # type: ignore[union-attr]


def test_keywords_and_columns_are_case_insensitive_and_a_bracket_reads_candles_back():
    parsed = parse_condition("Close > CLOSE[1] * 1.05 AND rsi_14[3] Crosses Above 50")
    columns = [node for node in walk(parsed.root) if isinstance(node, Column)]
    assert [(c.name, c.back) for c in columns] == [("close", 0), ("close", 1), ("rsi_14", 3)]
    assert parsed.lookback == 4  # rsi_14[3] crossing: three back, and the candle before that


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("__import__('os')", "unexpected character '_' at position 1, expected a number, a column name, '(' or '-'"),
        ("rsi_14 crosses 25", "unexpected '25' at position 16, expected 'above' or 'below'"),
        ("close >", "unexpected end of the condition, expected a number, a column name, '(' or '-'"),
        ("close < open < high", "unexpected '<' at position 14, expected 'and', 'or' or the end of the condition"),
        ("(close > open", "unexpected end of the condition, expected ')'"),
        ("close > 1;", "unexpected character ';' at position 10"),
        ("close.real > 1", "unexpected character '.' at position 6"),
        ("close[1.5] > 1", "'1.5' at position 7: candles back must be a whole number from 0 to 100"),
        ("close[101] > 1", "candles back must be a whole number from 0 to 100"),
        ("rsi_41 < 30", "unknown column 'rsi_41' at position 1 (nearest known: rsi_14"),
        ("close > volume_sma_2O", "unknown column 'volume_sma_2O' at position 9 (nearest known: volume_sma_20"),
        ("close", "'close' is a number, not a condition"),
        ("close + 1", "'close + 1' is a number, not a condition"),
        ("(close > 1) * 2 > 0", "'close > 1' at position 1 is a condition (true or false), not a number"),
        ("close and open > 1", "'close' at position 1 is a number, not a condition: 'and' takes comparisons"),
        ("not volume", "'volume' at position 5 is a number, not a condition: 'not' takes comparisons"),
        ("", "empty condition"),
    ],
)
def test_a_condition_that_cannot_be_used_is_refused_with_the_position_and_the_problem(text, expected):
    with pytest.raises(ConditionError) as error:
        parse_condition(text)
    assert expected in str(error.value)


def test_a_condition_is_parsed_and_judged_without_eval_or_exec(monkeypatch):
    # Given the parser built (importing a module runs exec), no condition parsed yet,
    # and eval and exec that fail the test if anything calls them
    parse_condition("close > 1")
    parse_condition.cache_clear()

    def forbidden(*args, **kwargs):
        raise AssertionError("a condition must never be eval'd")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)

    # When a condition is parsed and judged
    rule = rule_of("close crosses above 100 - 1 and not volume == 0")
    frame = pd.DataFrame({"close": [97.0, 98.0, 100.0], "volume": [5.0, 5.0, 5.0]})

    # Then it works, and Python code in a condition is only ever a parse error
    assert rule.evaluate(frame, HOUR) is not None
    with pytest.raises(ConditionError, match="position 1"):
        parse_condition("__import__('os').system('echo pwned') > 0")


# --- the rule on a hand-built frame ------------------------------------------------------------------------------


def example_frame() -> pd.DataFrame:
    # row:             0     1     2     3     4
    return pd.DataFrame(
        {
            "rsi_14": [30.0, 27.0, 23.1, 20.0, 26.0],
            "volume": [100.0, 100.0, 400.0, 400.0, 400.0],
            "volume_ma_20": [100.0, 100.0, 100.0, 100.0, 100.0],
        }
    )


def test_the_example_fires_exactly_on_the_candle_it_becomes_true_and_not_the_next():
    # Given RSI falling through 25 on row 2 with volume at 4x its average, and still low on row 3
    rule = rule_of(EXAMPLE)

    # When each row is judged as the candle just closed
    # Then it fires on row 2 only: row 3 is still below 25 but did not cross
    assert fired_at(rule, example_frame()) == [2]


def test_the_firing_names_the_condition_and_carries_the_values_that_made_it_true():
    # Given / When the example fires on row 2
    firing = rule_of(EXAMPLE).evaluate(example_frame().iloc[:3], HOUR)

    # Then it is a user condition's firing, neutral, notable, judged on the crossing's sides
    assert firing is not None and firing.rule_id == "condition:" + EXAMPLE and is_user_condition(firing.rule_id)
    assert (firing.direction, firing.severity) == ("neutral", 2)
    assert (firing.value, firing.threshold) == (23.1, 25.0)
    assert firing.distance == pytest.approx(1.9)
    # And the sentence quotes the expression and the values on the candle
    assert firing.sentence == (
        f'Your condition "{EXAMPLE}" became true: rsi_14 went from 27 to 23.1 against 25; '
        "volume = 400 against 3 * volume_sma_20 = 300."
    )
    # And the Signal contract stores it as it is
    assert FiringRecord(**firing.as_dict()).rule_id == firing.rule_id


def test_the_example_does_not_fire_without_the_volume():
    frame = example_frame()
    frame.loc[2, "volume"] = 300.0  # 3x its average: not more than 3x
    assert fired_at(rule_of(EXAMPLE), frame) == []


def test_a_plain_comparison_fires_when_it_becomes_true_not_while_it_stays_true():
    # Given closes above 100 on rows 1-2 and 4-5
    frame = pd.DataFrame({"close": [90.0, 101.0, 102.0, 99.0, 105.0, 106.0]})

    # Then the condition fires where it turns true: rows 1 and 4
    assert fired_at(rule_of("close > 100"), frame) == [1, 4]


def test_a_named_condition_uses_its_name_severity_and_direction():
    # Given a mapping-style condition
    rule = rule_of("close > close[1] * 1.05", name="Pump", severity=3, direction="bullish")
    frame = pd.DataFrame({"close": [100.0, 104.0, 110.0]})

    # When it fires on the 5.8% candle (not the 4% one)
    firing = rule.evaluate(frame, HOUR)

    # Then the firing carries the name in its id and sentence, with the expression beside it
    assert fired_at(rule, frame) == [2]
    assert firing is not None and firing.rule_id == "condition:Pump"
    assert (firing.severity, firing.direction) == (3, "bullish")
    assert firing.sentence.startswith('Your condition "Pump" (close > close[1] * 1.05) became true: close = 110')
    assert (firing.value, firing.threshold) == (110.0, pytest.approx(109.2))


def test_crossings_of_two_lines_fire_both_ways_on_the_crossing_candle():
    frame = pd.DataFrame({"ema_9": [1.0, 2.0, 3.0, 2.0, 1.0], "ema_21": [2.0, 2.0, 2.0, 2.0, 2.0]})
    # ema_9 touches ema_21 on row 1 (not past it), is above on row 2, back at it on row 3 and below on row 4
    assert fired_at(rule_of("ema_9 crosses above ema_21"), frame) == [2]
    assert fired_at(rule_of("ema_9 crosses below ema_21"), frame) == [4]


def test_the_lead_comparison_of_an_or_is_the_one_that_holds():
    frame = pd.DataFrame({"close": [10.0, 10.0], "rsi_14": [50.0, 75.0]})
    firing = rule_of("close > 100 or rsi_14 > 70").evaluate(frame, HOUR)
    assert firing is not None and (firing.value, firing.threshold, firing.distance) == (75.0, 70.0, 5.0)


@pytest.mark.parametrize(
    ("expression", "frame"),
    [
        # RSI still warming up on the candle before: "not below 25" there would be a guess
        ("rsi_14 < 25", {"rsi_14": [np.nan, 20.0]}),
        # a division by zero on the candle judged: "not (x / 0 > 1)" must not read as true
        ("not close / volume > 1", {"close": [1.0, 1.0], "volume": [0.5, 0.0]}),
        # one operand of an "or" unknown: the other alone does not decide
        ("close > 5 or rsi_14 > 50", {"close": [1.0, 10.0], "rsi_14": [np.nan, np.nan]}),
        # too few candles for the candles back it reads
        ("close > close[3]", {"close": [1.0, 2.0, 3.0, 4.0]}),
    ],
)
def test_a_value_that_is_missing_or_not_finite_makes_the_condition_not_apply(expression, frame):
    assert rule_of(expression).evaluate(pd.DataFrame(frame), HOUR) is None


def test_on_a_real_frame_the_rule_fires_exactly_where_a_vectorised_oracle_says(frame_of):
    # Given a seeded random walk with every indicator, and a condition over three columns and a lagged value
    rng = np.random.default_rng(7)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    volumes = rng.uniform(50, 150, 300)
    frame = frame_of(closes, volumes)
    rule = rule_of("close > sma_20 and rsi_14 > 55 or volume > 1.4 * volume_sma_20 and close < close[2]")

    # When the oracle computes "true now, false (and known) on the candle before" with pandas
    known = frame[["close", "sma_20", "rsi_14", "volume", "volume_ma_20"]].notna().all(axis=1)
    known &= frame["close"].shift(2).notna()
    holds = ((frame.close > frame.sma_20) & (frame.rsi_14 > 55)) | (
        (frame.volume > 1.4 * frame.volume_ma_20) & (frame.close < frame.close.shift(2))
    )
    expected = [i for i in range(1, len(frame)) if known[i] and known[i - 1] and holds[i] and not holds[i - 1]]

    # Then the rule, judging each candle on the frame cut there, fires on exactly those candles
    assert len(expected) > 10
    assert fired_at(rule, frame) == expected


# --- as a rule among the others ----------------------------------------------------------------------------------


def test_each_condition_is_a_rule_with_its_own_id_and_the_same_watchlist_builds_equal_rules():
    conditions = [condition("close > 1"), condition("close < 1", name="Low")]
    rules = condition_rules(conditions)
    assert [r.id for r in rules] == ["condition:close > 1", "condition:Low"]
    assert condition_rules(conditions) == rules
    assert with_conditions(build_rules(), conditions)[-2:] == tuple(rules)


def test_a_conditions_title_is_its_name():
    assert title_of(condition_rule_id("Deep dip"), "neutral") == "Deep dip"
    assert title_of(condition_rule_id(EXAMPLE), "bullish") == EXAMPLE
    assert condition_name("condition:Deep dip") == "Deep dip"
    assert not is_user_condition("rsi_oversold") and not is_user_condition("condition:")


SERIES = Series.of("kraken", "BTC/USD", "1h")
T0 = 1_793_491_200_000 - 260 * HOUR


def jump_candles(count: int = 260, jump_at: int = 240) -> list[Candle]:
    """Flat at 100, then 110 from ``jump_at`` on."""
    candles = []
    for i in range(count):
        price = 110.0 if i >= jump_at else 100.0
        previous = 110.0 if i - 1 >= jump_at else 100.0
        candles.append(
            Candle(T0 + i * HOUR, previous, max(previous, price) + 0.5, min(previous, price) - 0.5, price, 10.0)
        )
    return candles


def test_the_use_case_judges_each_series_by_its_own_conditions():
    # Given BTC's condition "close crosses above 105", and the last candle the jump through it
    candles = jump_candles(count=241)
    update = CandleUpdate(series=SERIES.key, candle_ts=[candles[-1].ts], gaps=[], ingested_at=candles[-1].ts + HOUR)
    mine = {SERIES.key: tuple(condition_rules([condition("close crosses above 105")]))}
    others = {"kraken:ETH-USD:1h": mine[SERIES.key]}

    # When the update is analysed with the conditions of BTC, and with those of another series only
    fired = analyze_update(
        update, candles=FakeCandles(candles), signals=Signals(), rules=build_rules(), conditions=mine
    )
    not_mine = analyze_update(
        update, candles=FakeCandles(candles), signals=Signals(), rules=build_rules(), conditions=others
    )

    # Then BTC's signal carries the condition's firing after the built-in rules' ones, and the other does not
    ids = [f.rule_id for f in fired.signal.firings]
    assert ids[-1] == "condition:close crosses above 105" and not any(map(is_user_condition, ids[:-1]))
    assert not any(is_user_condition(f.rule_id) for f in not_mine.signal.firings)


def test_the_replay_reports_a_condition_like_any_rule():
    # Given the jump through 105 at candle 240 of 260
    rules = with_conditions([], [condition("close crosses above 105")])

    # When the replay runs the analysis over every candle from 200
    report = replay(SERIES, jump_candles(), rules, warmup=200)

    # Then the condition fired once, and its forward figures are computed like a rule's
    (stats,) = report["rules"]
    assert stats["rule_id"] == "condition:close crosses above 105"
    assert stats["firings"] == 1 and stats["horizons"]["1"]["n"] == 1


def test_a_condition_quoting_a_long_expression_is_cut_to_what_a_signal_stores():
    # Given a condition of many comparisons, each quoted with its values when it fires (far over the sentence's cap)
    expression = " and ".join(f"close > {i}" for i in range(1, 30))
    candles = jump_candles(count=241)
    update = CandleUpdate(series=SERIES.key, candle_ts=[candles[-1].ts], gaps=[], ingested_at=candles[-1].ts + HOUR)
    long = {SERIES.key: tuple(condition_rules([condition(f"close crosses above 105 and {expression}")]))}

    # When the candle that makes it true is analysed
    outcome = analyze_update(update, candles=FakeCandles(candles), signals=Signals(), rules=[], conditions=long)

    # Then it fires, its sentence cut to the cap with an ellipsis, and the Signal is stored
    (firing,) = outcome.signal.firings
    assert len(firing.sentence) == MAX_SENTENCE_CHARS and firing.sentence.endswith("\u2026")
    assert firing.sentence.startswith("Your condition") and outcome.stored

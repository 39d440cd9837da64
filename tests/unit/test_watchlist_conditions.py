"""The watchlist's ``conditions:``: both forms, where they apply, and every bad one named at start."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import CONDITION_COOLDOWN_MS, UserCondition, WatchlistError
from crypto_advisor.contracts.watchlist_file import parse_watchlist

EXAMPLE = "rsi_14 crosses below 25 and volume > 3 * volume_sma_20"

WATCHLIST = f"""
conditions:
  - {EXAMPLE}
  - {{name: Deep dip, when: "close < bb_lower and rsi_14 < 20", cooldown: 12h, severity: 3, direction: bullish}}
series:
  - {{source: kraken, symbol: BTC/USD}}
  - source: kraken
    symbol: ETH/USD
    conditions:
      - "close   crosses above ema_200"
      - {{name: Deep dip, when: "close < fib_786"}}
"""


def problems(text: str) -> str:
    with pytest.raises(WatchlistError) as error:
        parse_watchlist(text, "config/watchlist.yaml")
    return str(error.value)


def test_a_condition_written_as_text_is_named_by_its_text_with_the_defaults():
    # When the watchlist is parsed
    btc = parse_watchlist(WATCHLIST).series[0]

    # Then the text form is named by its expression: 6h cooldown, severity 2, neutral
    first = btc.conditions[0]
    assert first == UserCondition(name=EXAMPLE, expression=EXAMPLE)
    assert (first.cooldown_ms, first.severity, first.direction) == (6 * HOUR_MS, 2, "neutral")
    assert CONDITION_COOLDOWN_MS == 6 * HOUR_MS
    assert first.rule_id == f"condition:{EXAMPLE}"


def test_a_condition_written_as_a_mapping_keeps_its_name_cooldown_severity_and_direction():
    deep_dip = parse_watchlist(WATCHLIST).series[0].conditions[1]
    assert deep_dip == UserCondition(
        name="Deep dip",
        expression="close < bb_lower and rsi_14 < 20",
        cooldown_ms=12 * HOUR_MS,
        severity=3,
        direction="bullish",
    )


def test_top_level_conditions_apply_to_every_series_and_a_series_adds_or_replaces_by_name():
    # When the watchlist is parsed
    watchlist = parse_watchlist(WATCHLIST)
    btc, eth = watchlist.series

    # Then BTC has the two top-level conditions; ETH has them too, its own "Deep dip" in place of the top-level one,
    # and its own crossing (white space normalized) after them
    assert [c.name for c in btc.conditions] == [EXAMPLE, "Deep dip"]
    assert [(c.name, c.expression) for c in eth.conditions] == [
        (EXAMPLE, EXAMPLE),
        ("Deep dip", "close < fib_786"),
        ("close crosses above ema_200", "close crosses above ema_200"),
    ]
    assert watchlist.conditions == btc.conditions
    # And the policy finds a firing's condition (its cooldown) by rule id
    assert eth.condition("condition:Deep dip").expression == "close < fib_786"  # type: ignore[union-attr]
    assert btc.condition("condition:close crosses above ema_200") is None
    assert btc.condition("rsi_oversold") is None


def test_a_watchlist_without_conditions_has_none_and_does_not_import_the_parser():
    # Given / When a watchlist without conditions is parsed in a fresh interpreter (as a Lambda cold start)
    script = textwrap.dedent(
        """
        import sys
        from crypto_advisor.contracts.watchlist_file import parse_watchlist
        watchlist = parse_watchlist("series: [{source: kraken, symbol: BTC/USD}]")
        print(watchlist.series[0].conditions, watchlist.conditions, "lark" in sys.modules)
        """
    )
    answer = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    # Then there are no conditions, and lark was never imported
    assert answer.stdout.split() == ["()", "()", "False"]


def test_a_top_level_condition_that_does_not_parse_is_named_with_the_position_and_what_was_expected():
    text = f"""
conditions:
  - {EXAMPLE}
  - rsi_14 crosses 25
series: [{{source: kraken, symbol: BTC/USD}}]
"""
    assert problems(text) == (
        "config/watchlist.yaml: conditions[1]: 'rsi_14 crosses 25': unexpected '25' at position 16, "
        "expected 'above' or 'below'"
    )


def test_an_unknown_column_in_a_series_condition_is_named_with_the_nearest_known_names():
    text = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD}
  - {source: kraken, symbol: SOL/USD, conditions: ["close > 1", "rsi_41 < 30"]}
"""
    message = problems(text)
    assert message.startswith("config/watchlist.yaml: series[2] (kraken SOL/USD): conditions[1]: 'rsi_41 < 30': ")
    assert "unknown column 'rsi_41' at position 1 (nearest known: rsi_14" in message


def test_python_in_a_condition_is_a_parse_error():
    text = """
conditions: ["__import__('os').system('rm -rf /') > 0"]
series: [{source: kraken, symbol: BTC/USD}]
"""
    assert "conditions[0]: " in problems(text)
    assert "unexpected character '_' at position 1" in problems(text)


def test_every_bad_condition_of_every_series_is_reported_at_once():
    text = """
series:
  - source: kraken
    symbol: BTC/USD
    conditions:
      - "close >"
      - {when: "close > 1", cooldown: 5x}
      - {when: "close > 1", severty: 3}
      - 5
      - "close"
  - {source: kraken, symbol: ETH/USD, conditions: ["close > 1", {name: close > 1, when: "close > 2"}]}
  - {source: kraken, symbol: SOL/USD, conditions: [{name: No expression}]}
"""
    found = problems(text).removeprefix("config/watchlist.yaml: ")
    btc, eth, sol = "series[0] (kraken BTC/USD)", "series[1] (kraken ETH/USD)", "series[2] (kraken SOL/USD)"
    assert found == "; ".join(
        [
            f"{btc}: conditions[0]: 'close >': unexpected end of the condition, "
            "expected a number, a column name, '(' or '-'",
            f"{btc}: conditions[1].cooldown: malformed duration '5x'; expected a number and m, h or d, e.g. 6h",
            f"{btc}: conditions[2].severty: Extra inputs are not permitted",
            f"{btc}: conditions[3]: expected the condition's text, or a mapping with when: "
            "(and name, cooldown, severity, direction), got 5",
            f"{btc}: conditions[4]: 'close': 'close' is a number, not a condition: "
            "compare it (e.g. close > 0) or use crosses above/below",
            f"{eth}: conditions: duplicate name 'close > 1' at conditions[1] (first at conditions[0])",
            f"{sol}: conditions[0].when: Field required",
        ]
    )


def test_a_series_with_more_conditions_than_a_signal_holds_is_refused_by_name():
    # Given 15 top-level conditions, and a series adding 6 of its own (21; a Signal holds every firing, and its item
    # has a size limit)
    common = "\n".join(f"  - close > {i}" for i in range(15))
    own = ", ".join(f'"close < {i}"' for i in range(6))
    text = (
        f"series:\n  - {{source: kraken, symbol: BTC/USD, conditions: [{own}]}}\n"
        f"  - {{source: kraken, symbol: ETH/USD}}\nconditions:\n{common}\n"
    )

    # When the watchlist is checked / Then the series is named with its count and the cap
    assert problems(text) == (
        "config/watchlist.yaml: series[0] (kraken BTC/USD): conditions: 21 conditions (the top-level ones and its "
        "own), at most 20 per series"
    )


def test_a_condition_name_with_control_characters_is_refused():
    # Given / When a condition's name holds a control character (it is an email's title) / Then it is named
    found = problems(
        'series: [{source: kraken, symbol: BTC/USD}]\nconditions: [{name: "a\\x07b", when: "close > 1"}]\n'
    )
    assert found == "config/watchlist.yaml: conditions[0].name: name 'a\\x07b' holds control characters"


def test_a_number_in_other_digits_is_refused_so_an_expression_is_ascii():
    # Given / When a condition writes a number in fullwidth digits (Python's \d would match them) / Then it does not
    # parse: an expression is ASCII, so a firing's rule id (named by it) has a bound in bytes
    assert "unexpected character '\uff11'" in problems(
        "series: [{source: kraken, symbol: BTC/USD}]\nconditions: ['close > \uff11']\n"
    )

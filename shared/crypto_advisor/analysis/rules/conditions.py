"""The user's own conditions as trigger rules: the watchlist's ``conditions:`` judged on the indicator frame.

The language and its parser are in :mod:`crypto_advisor.contracts.conditions`
(the watchlist check refuses what does not parse); this module evaluates the
parsed tree on the frame's last rows and reports a :class:`Firing` like any
rule, so the analysis, the replay and the alert-quality run treat a condition
exactly as a built-in rule.

When it fires: on the candle where the condition *becomes* true, i.e. true on
the candle just closed and false on the one before. A condition that stays true
fires once, not every candle, the same crossing semantics as the built-in
rules; an expression that is itself a crossing (``rsi_14 crosses below 25``) is
true only on the crossing candle anyway. When any value it reads on either
candle is missing or not finite (an indicator's warm-up, a division by zero),
the condition does not apply and nothing fires, rather than guessing.

Its firing: rule id ``condition:<name>``, the condition's own severity (default
2) and direction (default neutral), and a sentence quoting the condition with
the values on the candle. ``value`` and ``threshold`` are the two sides of its
first comparison or crossing that holds (the first written, if none does, as
under a ``not``), and ``distance`` how far past the threshold in the direction
that comparison asks, in the sides' own scale.

Why a class per condition: the :class:`~crypto_advisor.analysis.rules.base.Rule`
protocol puts the id on the class (the registry and the config name a rule
before an instance exists), and the replay reports by ``rule.id``. A user
condition's id is only known from the watchlist, so each gets a small subclass
of :class:`ConditionRule` carrying its id, made (and cached) by
:func:`condition_rules`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, cast

import pandas as pd

from crypto_advisor.analysis.firing import Firing
from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.wording import num
from crypto_advisor.contracts.conditions import (
    CONDITION_PREFIX,
    Column,
    Comparison,
    Crossing,
    Negative,
    Not,
    Number,
    Test,
    Value,
    parse_condition,
)
from crypto_advisor.contracts.signal import MAX_SENTENCE_CHARS, clip
from crypto_advisor.contracts.watchlist import UserCondition
from crypto_advisor.market.indicator_spec import volume_span


class _NotApplicable(Exception):
    """A value the condition reads is missing or not finite on a candle it needs."""


class _Reader:
    """The frame's values ``back`` candles before a reference row, the last row being ``back == 0`` at ``at == 0``."""

    def __init__(self, frame: pd.DataFrame, rule_id: str) -> None:
        self._frame = frame
        self._rule_id = rule_id

    def value(self, column: str, back: int) -> float:
        if column not in self._frame.columns:
            raise ValueError(f"rule {self._rule_id!r} needs column {column!r}, which the frame does not have")
        value = float(self._frame[column].iloc[-1 - back])
        if not math.isfinite(value):
            raise _NotApplicable(column)
        return value


def _number(node: Value, reader: _Reader, at: int) -> float:
    """The value of ``node`` on the candle ``at`` candles before the last."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Column):
        return reader.value(node.name, at + node.back)
    if isinstance(node, Negative):
        return -_number(node.operand, reader, at)
    left, right = _number(node.left, reader, at), _number(node.right, reader, at)
    if node.op == "+":
        result = left + right
    elif node.op == "-":
        result = left - right
    elif node.op == "*":
        result = left * right
    else:
        if right == 0:
            raise _NotApplicable("division by zero")
        result = left / right
    if not math.isfinite(result):
        raise _NotApplicable(node.text)
    return result


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _holds(node: Test, reader: _Reader, at: int) -> bool:
    """Whether ``node`` is true on the candle ``at`` candles before the last (every operand evaluated)."""
    if isinstance(node, Comparison):
        return bool(_COMPARE[node.op](_number(node.left, reader, at), _number(node.right, reader, at)))
    if isinstance(node, Crossing):
        before = _number(node.left, reader, at + 1) - _number(node.right, reader, at + 1)
        now = _number(node.left, reader, at) - _number(node.right, reader, at)
        return before <= 0 < now if node.direction == "above" else before >= 0 > now
    if isinstance(node, Not):
        return not _holds(node.operand, reader, at)
    # Every operand is evaluated (no short cut) so a value missing anywhere makes the condition not apply on
    # both candles alike, whatever the other operands say.
    results = [_holds(operand, reader, at) for operand in node.operands]
    return all(results) if node.op == "and" else any(results)


def _distance(node: Comparison | Crossing, value: float, threshold: float) -> float:
    """How far ``value`` is past ``threshold`` in the direction ``node`` asks (negative: short of it)."""
    op = node.direction if isinstance(node, Crossing) else node.op
    if op in (">", ">=", "above"):
        return value - threshold
    if op in ("<", "<=", "below"):
        return threshold - value
    if op == "==":
        return -abs(value - threshold)
    return abs(value - threshold)


def _side(node: Value, now: float, before: float | None) -> str:
    """A side as the sentence quotes it: a number as written; anything else with its value(s)."""
    if isinstance(node, Number):
        return node.text
    if before is None:
        return f"{node.text} = {num(now, 2)}"
    return f"{node.text} went from {num(before, 2)} to {num(now, 2)}"


def _quote(node: Comparison | Crossing, reader: _Reader) -> tuple[float, float, str]:
    """The left and right values of a comparison or crossing on the last candle, and how the sentence words them."""
    left, right = _number(node.left, reader, 0), _number(node.right, reader, 0)
    if isinstance(node, Comparison):
        return left, right, f"{_side(node.left, left, None)} against {_side(node.right, right, None)}"
    left_before, right_before = _number(node.left, reader, 1), _number(node.right, reader, 1)
    return (
        left,
        right,
        f"{_side(node.left, left, left_before)} against {_side(node.right, right, right_before)}",
    )


@dataclass(frozen=True)
class ConditionRule:
    """A user condition judged on the last closed candle; each condition gets its own subclass (see the module doc)."""

    id: ClassVar[str] = CONDITION_PREFIX
    params: UserCondition

    @property
    def volume_rows(self) -> int | None:
        """Candles up to the judged one whose volume it reads; None when it reads no volume column."""
        condition = parse_condition(self.params.expression)
        spans = [s for s in (volume_span(column) for column in condition.columns) if s is not None]
        # the judged candle and the one before it (the crossing semantics), each reading lookback candles back
        return condition.lookback + 2 + max(spans) - 1 if spans else None

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None:
        condition = parse_condition(self.params.expression)
        if len(frame) < condition.lookback + 2:
            return None
        reader = _Reader(frame, self.id)
        try:
            if not _holds(condition.root, reader, 0) or _holds(condition.root, reader, 1):
                return None
            tests = condition.tests()
            lead = next((t for t in tests if _holds(t, reader, 0)), tests[0])
            quoted = [_quote(test, reader) for test in tests]
        except _NotApplicable:
            return None
        value, threshold, _ = quoted[tests.index(lead)]
        name = self.params.name
        label = f'"{name}"' if name == self.params.expression else f'"{name}" ({self.params.expression})'
        return Firing(
            rule_id=self.id,
            direction=self.params.direction,
            severity=self.params.severity,
            value=value,
            threshold=threshold,
            distance=_distance(lead, value, threshold),
            unit="points",
            # A long expression quoted with its values can exceed what a Signal stores: cut, not refused.
            sentence=clip(
                f"Your condition {label} became true: {'; '.join(words for _, _, words in quoted)}.", MAX_SENTENCE_CHARS
            ),
        )


@functools.lru_cache(maxsize=1024)
def _rule_type(rule_id: str) -> type[ConditionRule]:
    """The class of the condition with this id, one per id (so two builds of the same watchlist compare equal)."""
    return cast(
        "type[ConditionRule]",
        type(f"ConditionRule[{rule_id}]", (ConditionRule,), {"id": rule_id, "__module__": __name__}),
    )


def condition_rules(conditions: Iterable[UserCondition]) -> list[Rule]:
    """One rule per user condition, in the order given (a series' conditions: ``WatchedSeries.conditions``)."""
    return [_rule_type(condition.rule_id)(condition) for condition in conditions]


def with_conditions(rules: Sequence[Rule], conditions: Iterable[UserCondition]) -> tuple[Rule, ...]:
    """The rules one series is judged by: the built-in ``rules``, then the series' own conditions.

    What the analysis, the replay and the alert-quality run of a watched series
    use, e.g. ``with_conditions(build_rules(watchlist.rules), watched.conditions)``.
    """
    return (*rules, *condition_rules(conditions))

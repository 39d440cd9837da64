"""The user's own conditions: the expression language, its grammar, and how a condition's firings are named.

A condition is one line a trader writes in the watchlist, TradingView style::

    rsi_14 crosses below 25 and volume > 3 * volume_sma_20

The language, in full:

- **values**: a number (``25``, ``0.5``, ``1e6``); a column of the analysis frame, on the candle just closed:
  ``open high low close volume`` and every indicator column (:data:`INDICATOR_COLUMN_NAMES`, e.g. ``rsi_14``,
  ``ema_9``, ``macd_hist``, ``bb_upper``, ``volume_ma_20``, also written ``volume_sma_20``); ``close[1]``: a
  column ``n`` candles back (``[1]`` the candle before, up to ``[100]``, Pine Script's notation);
- **arithmetic**: ``+ - * /`` and unary ``-``, with the usual precedence, and parentheses;
- **comparisons**: ``< <= > >= == !=`` between two values (one per comparison: ``a < b < c`` is refused);
- **crossings**: ``a crosses above b`` (``a`` was at or below ``b`` on the candle before and is above it now),
  ``a crosses below b``, the same test the built-in rules use;
- **logic**: ``not``, ``and``, ``or`` (in that order of precedence, as in Python), parentheses.

Keywords and column names are case-insensitive. The result must be a condition
(a comparison, a crossing, or several joined by ``and``/``or``/``not``): ``close``
alone or ``close + 1`` is a number and is refused, as is arithmetic on a
condition. Division by zero or a value not yet computed (an indicator's warm-up)
makes the condition not apply on that candle rather than true or false.

Why a grammar, and why here. The text comes from a file anyone may edit, so it
is parsed by a real grammar (LALR(1), which refuses ambiguity when the grammar
is built) into the small tree below and never handed to ``eval``: only the
constructs above exist. It lives at the contracts level, pure and without
pandas, because the watchlist check (:func:`crypto_advisor.contracts.watchlist_file.parse_watchlist`,
run by every function at start, the ingest included) must reject a condition
that does not parse or names an unknown column, and contracts may not import
the market package where the indicator columns are defined: the known names
are therefore a plain tuple here, and a unit test holds
:data:`crypto_advisor.market.indicator_spec.INDICATOR_COLUMNS` equal to it. The
evaluation over the indicator frame is a trigger rule like the others, in
:mod:`crypto_advisor.analysis.rules.conditions`.

Why lark. `lark <https://github.com/lark-parser/lark>`_ is pure Python with no
dependencies, about 0.45 MB installed (sources; 1.1 MB with bytecode), well
kept, and takes the grammar as EBNF text, so :data:`GRAMMAR` is both the parser
and its documentation; its LALR errors carry the column and the set of tokens
that would have been accepted, which is what a useful watchlist message needs.
pyparsing (already in ChartDepsLayer, about 0.5 MB) would do too, but its
grammars are Python objects built at import and its errors name one expected
element, not the set. lark is imported only when a watchlist has conditions, so
functions whose watchlist has none never pay its import (about 0.1 s cold).

A condition's firings carry the rule id ``condition:<name>`` (:func:`condition_rule_id`);
:func:`is_user_condition` tells them from the built-in rules' (the alert policy
emails them whenever they fire, subject only to their own cooldown).
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

#: Prefix of every user condition's rule id: ``condition:<name>``.
CONDITION_PREFIX = "condition:"

#: The candle's own columns.
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")

#: The indicator columns of the analysis frame, in its order. A copy of
#: ``market.indicator_spec.INDICATOR_COLUMNS`` (contracts may not import market);
#: tests/unit/analysis/test_conditions.py holds the two equal.
INDICATOR_COLUMN_NAMES: tuple[str, ...] = (
    "ema_9",
    "ema_21",
    "ema_50",
    "ema_200",
    "sma_5",
    "sma_10",
    "sma_20",
    "sma_50",
    "sma_200",
    "rsi_14",
    "mfi_14",
    "macd",
    "macd_signal",
    "macd_hist",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "bb_pctb",
    "bb_width",
    "adx_14",
    "plus_di_14",
    "minus_di_14",
    "atr_14",
    "obv",
    "vpt",
    "roc_12",
    "volatility_24",
    "volume_ma_20",
    "fib_high",
    "fib_low",
    "fib_236",
    "fib_382",
    "fib_500",
    "fib_618",
    "fib_786",
)

#: Every column a condition may read.
CONDITION_COLUMNS: tuple[str, ...] = PRICE_COLUMNS + INDICATOR_COLUMN_NAMES

#: Other spellings of a column: the volume average is a simple one, and TradingView users write it so.
COLUMN_ALIASES: dict[str, str] = {"volume_sma_20": "volume_ma_20"}

#: How far back ``column[n]`` may reach, in candles.
MAX_CANDLES_BACK = 100
#: The longest expression accepted, in characters.
MAX_EXPRESSION_LENGTH = 500
#: A condition's firings carry ``condition:<name>``, its name being the expression when it has none: at most
#: this many characters (the grammar is ASCII, digits included, so as many bytes for an expression).
MAX_RULE_ID_LENGTH = len(CONDITION_PREFIX) + MAX_EXPRESSION_LENGTH
#: The most conditions one series may have (the top-level ones and its own together): each firing is stored in the
#: Signal, whose item must stay under DynamoDB's 400 KB (:data:`crypto_advisor.contracts.signal.MAX_FIRINGS`).
MAX_CONDITIONS = 20

#: The grammar (lark EBNF, LALR(1)). Tokens keep their names in the tree; the compiler below skips them.
GRAMMAR = r"""
?start: disjunction
?disjunction: conjunction (OR conjunction)*
?conjunction: negation (AND negation)*
?negation: NOT negation -> negation
         | comparison
?comparison: sum COMPARATOR sum -> comparison
           | sum CROSSES DIRECTION sum -> crossing
           | sum
?sum: product ((PLUS | MINUS) product)*
?product: unary ((STAR | SLASH) unary)*
?unary: MINUS unary -> negative
      | atom
?atom: NUMBER -> number
     | NAME (LSQB NUMBER RSQB)? -> column
     | LPAR disjunction RPAR

OR: "or"i
AND: "and"i
NOT: "not"i
CROSSES: "crosses"i
DIRECTION: "above"i | "below"i
COMPARATOR: "<=" | ">=" | "==" | "!=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
LSQB: "["
RSQB: "]"
LPAR: "("
RPAR: ")"
NAME: /[a-z][a-z0-9_]*/i
NUMBER: /([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?/
%ignore /[ \t\r\n]+/
"""

#: How a parse error names what would have been accepted (in this order).
_EXPECTED_WORDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"NUMBER"}), "a number"),
    (frozenset({"NAME"}), "a column name"),
    (frozenset({"LPAR"}), "'('"),
    (frozenset({"MINUS"}), "'-'"),
    (frozenset({"RPAR"}), "')'"),
    (frozenset({"LSQB"}), "'[' (candles back)"),
    (frozenset({"RSQB"}), "']'"),
    (frozenset({"COMPARATOR"}), "a comparison (< <= > >= == !=)"),
    (frozenset({"CROSSES"}), "'crosses above/below'"),
    (frozenset({"DIRECTION"}), "'above' or 'below'"),
    (frozenset({"PLUS", "STAR", "SLASH"}), "an operator (+ - * /)"),
    (frozenset({"NOT"}), "'not'"),
    (frozenset({"AND"}), "'and'"),
    (frozenset({"OR"}), "'or'"),
    (frozenset({"$END"}), "the end of the condition"),
)


def is_user_condition(rule_id: str) -> bool:
    """Whether a firing's rule id is a user condition's (``condition:<name>``) rather than a built-in rule's."""
    return rule_id.startswith(CONDITION_PREFIX) and len(rule_id) > len(CONDITION_PREFIX)


def condition_rule_id(name: str) -> str:
    """The rule id of the condition called ``name``."""
    return CONDITION_PREFIX + name


def condition_name(rule_id: str) -> str:
    """The name in a user condition's rule id (the inverse of :func:`condition_rule_id`)."""
    if not is_user_condition(rule_id):
        raise ValueError(f"{rule_id!r} is not a user condition's rule id")
    return rule_id[len(CONDITION_PREFIX) :]


def normalize_expression(text: str) -> str:
    """The expression with runs of white space as one space: its name when it has none, so ids stay stable."""
    return " ".join(str(text).split())


class ConditionError(ValueError):
    """A condition that cannot be used; the message says where (1-based position) and what is wrong."""


# --- the tree ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    text: str


@dataclass(frozen=True, slots=True)
class Column:
    """A column ``back`` candles before the one judged (0: the candle itself)."""

    name: str
    back: int
    text: str


@dataclass(frozen=True, slots=True)
class Negative:
    operand: Value
    text: str


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: Literal["+", "-", "*", "/"]
    left: Value
    right: Value
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: Value
    right: Value
    text: str


@dataclass(frozen=True, slots=True)
class Crossing:
    """``left`` crosses ``right``: strictly past it now, not past it (at or on the other side) a candle before."""

    direction: Literal["above", "below"]
    left: Value
    right: Value
    text: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Test
    text: str


@dataclass(frozen=True, slots=True)
class Junction:
    op: Literal["and", "or"]
    operands: tuple[Test, ...]
    text: str


Value = Number | Column | Negative | Arithmetic
Test = Comparison | Crossing | Not | Junction
Node = Value | Test


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed, checked condition."""

    text: str
    root: Test

    @property
    def lookback(self) -> int:
        """Candles before the judged one that judging it reads (a crossing reads one more than its sides)."""
        return _lookback(self.root)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(node.name for node in walk(self.root) if isinstance(node, Column))

    def tests(self) -> list[Comparison | Crossing]:
        """The comparisons and crossings, in the order they are written (what a firing's sentence reports)."""
        return [node for node in walk(self.root) if isinstance(node, (Comparison, Crossing))]


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node``, itself first, left to right."""
    yield node
    if isinstance(node, (Negative, Not)):
        yield from walk(node.operand)
    elif isinstance(node, (Arithmetic, Comparison, Crossing)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Junction):
        for operand in node.operands:
            yield from walk(operand)


def _lookback(node: Node) -> int:
    if isinstance(node, Number):
        return 0
    if isinstance(node, Column):
        return node.back
    if isinstance(node, (Negative, Not)):
        return _lookback(node.operand)
    if isinstance(node, Crossing):
        return max(_lookback(node.left), _lookback(node.right)) + 1
    if isinstance(node, (Arithmetic, Comparison)):
        return max(_lookback(node.left), _lookback(node.right))
    return max(_lookback(operand) for operand in node.operands)


# --- parsing ----------------------------------------------------------------------------------------------------


@functools.cache
def _parser() -> Lark:
    """Built once per process, on first use: only a watchlist with conditions imports lark."""
    from lark import Lark

    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


@functools.lru_cache(maxsize=512)
def parse_condition(text: str) -> Condition:
    """Parse and check one condition; raise :class:`ConditionError` naming the position and the problem.

    Cached: the watchlist check and every analysis of a series parse the same few texts.
    """
    from lark import Token, UnexpectedInput

    source = str(text)
    if not source.strip():
        raise ConditionError("empty condition")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ConditionError(f"condition longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as exc:
        raise ConditionError(_parse_error(exc)) from None
    names = tree.scan_values(lambda t: isinstance(t, Token) and t.type == "NAME")
    unknown = [token for token in names if _canonical(token) is None]
    if unknown:
        raise ConditionError(" and ".join(_unknown_column(token) for token in unknown))
    root = _compile(tree, source)
    if not isinstance(root, (Comparison, Crossing, Not, Junction)):
        raise ConditionError(
            f"{_quote(root.text)} is a number, not a condition: compare it (e.g. {root.text} > 0) "
            "or use crosses above/below"
        )
    return Condition(text=source, root=root)


def _parse_error(exc: Any) -> str:
    from lark import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        where = f"unexpected character {exc.char!r} at position {exc.column}"
        expected = exc.allowed or set()
    elif isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            where = "unexpected end of the condition"
        else:
            where = f"unexpected {exc.token.value!r} at position {exc.column}"
        expected = exc.accepts or exc.expected or set()
    else:  # pragma: no cover - LALR raises only the two above
        return f"cannot parse: {exc}"
    return f"{where}, expected {_or_list(_expected_words(expected))}"


def _expected_words(names: set[str]) -> list[str]:
    if names & {"PLUS", "STAR", "SLASH"}:
        names = names - {"MINUS"}  # after a value '-' is one of the operators; alone, it is a value's sign
    words = [word for group, word in _EXPECTED_WORDS if group & names]
    return words or sorted(names)


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _canonical(token: Token) -> str | None:
    name = str(token).lower()
    name = COLUMN_ALIASES.get(name, name)
    return name if name in CONDITION_COLUMNS else None


def _unknown_column(token: Token) -> str:
    name = str(token).lower()
    near = difflib.get_close_matches(name, CONDITION_COLUMNS + tuple(COLUMN_ALIASES), n=3, cutoff=0.5)
    hint = f"nearest known: {', '.join(near)}" if near else f"known columns: {', '.join(CONDITION_COLUMNS)}"
    return f"unknown column {str(token)!r} at position {token.column} ({hint})"


def _quote(text: str) -> str:
    return f"'{text}'"


def _span(tree: Tree, source: str) -> str:
    return source[tree.meta.start_pos : tree.meta.end_pos]


def _position(tree: Tree) -> int:
    return int(tree.meta.column)


_ARITHMETIC: dict[str, Literal["+", "-", "*", "/"]] = {"+": "+", "-": "-", "*": "*", "/": "/"}
_COMPARATORS: dict[str, Literal["<", "<=", ">", ">=", "==", "!="]] = {
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "==": "==",
    "!=": "!=",
}
_DIRECTIONS: dict[str, Literal["above", "below"]] = {"above": "above", "below": "below"}


def _value(node: Node, tree: Tree, role: str) -> Value:
    if isinstance(node, (Comparison, Crossing, Not, Junction)):
        raise ConditionError(
            f"{_quote(node.text)} at position {_position(tree)} is a condition (true or false), not a number: "
            f"it cannot be {role}"
        )
    return node


def _test(node: Node, tree: Tree, keyword: str) -> Test:
    if not isinstance(node, (Comparison, Crossing, Not, Junction)):
        raise ConditionError(
            f"{_quote(node.text)} at position {_position(tree)} is a number, not a condition: {keyword!r} "
            "takes comparisons or crossings"
        )
    return node


def _compile(tree: Tree, source: str) -> Node:
    """The lark tree as the typed tree above, checking that numbers and conditions are used as such."""
    from lark import Token, Tree

    kind, text = str(tree.data), _span(tree, source)
    tokens = [child for child in tree.children if isinstance(child, Token)]
    subtrees = [child for child in tree.children if isinstance(child, Tree)]

    def value(index: int, role: str) -> Value:
        return _value(_compile(subtrees[index], source), subtrees[index], role)

    def test(index: int, keyword: str) -> Test:
        return _test(_compile(subtrees[index], source), subtrees[index], keyword)

    if kind == "number":
        return Number(_finite(tokens[0]), text)
    if kind == "column":
        name = _canonical(tokens[0])
        if name is None:  # pragma: no cover - unknown names are refused before compiling
            raise ConditionError(_unknown_column(tokens[0]))
        return Column(name, _candles_back(tokens[2]) if len(tokens) > 1 else 0, text)
    if kind == "negative":
        return Negative(value(0, "negated"), text)
    if kind in ("sum", "product"):
        node = value(0, "used in arithmetic")
        for index, op in enumerate(tokens, start=1):
            end = subtrees[index].meta.end_pos
            node = Arithmetic(
                _ARITHMETIC[str(op)], node, value(index, "used in arithmetic"), source[tree.meta.start_pos : end]
            )
        return node
    if kind == "comparison":
        return Comparison(_COMPARATORS[str(tokens[0])], value(0, "compared"), value(1, "compared"), text)
    if kind == "crossing":
        return Crossing(_DIRECTIONS[str(tokens[1]).lower()], value(0, "compared"), value(1, "compared"), text)
    if kind == "negation":
        return Not(test(0, "not"), text)
    if kind in ("conjunction", "disjunction"):
        keyword: Literal["and", "or"] = "and" if kind == "conjunction" else "or"
        return Junction(keyword, tuple(test(index, keyword) for index in range(len(subtrees))), text)
    if kind == "atom":  # parentheses: the expression inside
        return _compile(subtrees[0], source)
    raise ConditionError(f"cannot read {text!r}")  # pragma: no cover - the grammar has no other rule


def _finite(token: Token) -> float:
    value = float(str(token))
    if not math.isfinite(value):
        raise ConditionError(f"number {token!s} at position {token.column} is too large")
    return value


def _candles_back(token: Token) -> int:
    value = float(str(token))
    if value != int(value) or not 0 <= value <= MAX_CANDLES_BACK:
        raise ConditionError(
            f"{str(token)!r} at position {token.column}: candles back must be a whole number from 0 to "
            f"{MAX_CANDLES_BACK}"
        )
    return int(value)

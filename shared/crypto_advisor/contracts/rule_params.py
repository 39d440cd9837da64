"""The trigger rules' parameters: what the watchlist's ``rules:`` section may say, and its check.

A watchlist's ``rules:`` is a mapping ``rule_id -> {param: value}`` of
overrides; every rule is on with its defaults unless overridden, and
``enabled: false`` turns a rule off. The section is read by AnalyzeFunction
(:func:`crypto_advisor.analysis.rules.build_rules`) and by the training's
replay, but it must be checked where every other part of the watchlist is:
in :func:`crypto_advisor.contracts.watchlist_file.parse_watchlist`, which every
function runs at start, the ingest included. Before issue 11 the check was
the analysis' own, so a misspelt rule passed the ingest's check and failed
every Analyze batch at cold start. That is why the parameters live here, pure
and without pandas, beside the conditions' language
(:mod:`crypto_advisor.contracts.conditions`): contracts may not import the
analysis, and the ingest's layers have no pandas. The rules themselves (what
each parameter does) stay in :mod:`crypto_advisor.analysis.rules`, whose
registry refuses to import unless every rule's params class is the one listed
here for its id.

Parameters come from a file a person wrote, so a bad value must be refused
with words that name the rule, the param and what it must be. Each class
declares its fields and the checks on them, in the order they run; declaring
the checks beside the fields keeps fourteen classes from each re-implementing
the same comparisons and messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Check:
    """One condition on one param, and what the param must be when the condition fails."""

    param: str
    holds: Callable[[Any, Any], bool]
    must_be: Callable[[Any], str]

    def verify(self, params: Any) -> None:
        value = getattr(params, self.param)
        if not self.holds(value, params):
            raise ValueError(f"param {self.param!r} must be {self.must_be(params)}, got {value}")


def _words(requirement: str, unit: str) -> Callable[[Any], str]:
    text = f"{requirement} {unit}" if unit else requirement
    return lambda params: text


def between(param: str, low: float, high: float, unit: str = "") -> Check:
    """Strictly between ``low`` and ``high``."""
    return Check(param, lambda value, params: low < value < high, _words(f"between {low} and {high}", unit))


def at_least(param: str, minimum: float, unit: str = "") -> Check:
    return Check(param, lambda value, params: value >= minimum, _words(f">= {minimum}", unit))


def above(param: str, minimum: float, unit: str = "") -> Check:
    return Check(param, lambda value, params: value > minimum, _words(f"> {minimum}", unit))


def above_param(param: str, other: str) -> Check:
    """Above another param of the same rule, named with its value."""
    return Check(
        param,
        lambda value, params: getattr(params, other) < value,
        lambda params: f"above {other} ({getattr(params, other)})",
    )


#: Checks that more than one rule's params share.
OSCILLATOR_LEVEL = between("level", 0, 100)
SPIKE_FACTOR = above("factor", 1, "(times the average)")
_VADER_SCORE = "(a VADER compound score)"


class Params:
    """Base of every rule's params: a frozen dataclass whose ``checks`` run, in order, when it is built."""

    __slots__ = ()
    checks: ClassVar[tuple[Check, ...]] = ()

    def __post_init__(self) -> None:
        for check in self.checks:
            check.verify(self)


@dataclass(frozen=True, slots=True)
class NoParams(Params):
    """For rules whose inputs are fixed by the indicator columns they read."""


@dataclass(frozen=True, slots=True)
class WindowParams(Params):
    """For rules judged over a window of candles, each with its own default length."""

    window: int

    checks = (at_least("window", 2, "candles"),)


# ------------------------------------------------------------- oscillators


@dataclass(frozen=True, slots=True)
class RsiZoneParams(Params):
    level: float
    hysteresis: float = 5.0
    lookback: int = 200

    checks = (OSCILLATOR_LEVEL, at_least("hysteresis", 0), at_least("lookback", 1, "candle"))


@dataclass(frozen=True, slots=True)
class RsiOversoldParams(RsiZoneParams):
    level: float = 30.0


@dataclass(frozen=True, slots=True)
class RsiOverboughtParams(RsiZoneParams):
    level: float = 70.0


@dataclass(frozen=True, slots=True)
class AdxTrendParams(Params):
    level: float = 25.0

    checks = (OSCILLATOR_LEVEL,)


# -------------------------------------------------------------- volatility


@dataclass(frozen=True, slots=True)
class SqueezeParams(WindowParams):
    window: int = 120


@dataclass(frozen=True, slots=True)
class AtrSpikeParams(Params):
    factor: float = 1.5
    window: int = 50

    checks = (SPIKE_FACTOR, at_least("window", 1, "candle"))


# ------------------------------------------------------------------ volume


@dataclass(frozen=True, slots=True)
class VolumeSpikeParams(Params):
    factor: float = 3.0

    checks = (SPIKE_FACTOR,)


@dataclass(frozen=True, slots=True)
class ObvDivergenceParams(WindowParams):
    window: int = 20


# ------------------------------------------------------------ price change


@dataclass(frozen=True, slots=True)
class PriceChangeParams(Params):
    threshold_pct: float

    checks = (above("threshold_pct", 0),)


@dataclass(frozen=True, slots=True)
class PriceChange1hParams(PriceChangeParams):
    threshold_pct: float = 3.0


@dataclass(frozen=True, slots=True)
class PriceChange24hParams(PriceChangeParams):
    threshold_pct: float = 8.0


# -------------------------------------------------------------------- news


@dataclass(frozen=True, slots=True)
class NewsSentimentParams(Params):
    low: float = -0.2
    high: float = 0.2
    min_articles: int = 5
    shift: float = 0.25

    checks = (
        between("low", -1, 1, _VADER_SCORE),
        between("high", -1, 1, _VADER_SCORE),
        above_param("high", "low"),
        at_least("min_articles", 1, "article"),
        between("shift", 0, 2, "(VADER points)"),
    )


#: Every rule's id and its params, in the order firings are reported (the registry holds its rules to this).
RULE_PARAMS: dict[str, type[Params]] = {
    "rsi_oversold": RsiOversoldParams,
    "rsi_overbought": RsiOverboughtParams,
    "macd_cross": NoParams,
    "bb_breakout": NoParams,
    "bb_squeeze": SqueezeParams,
    "ema_cross": NoParams,
    "golden_death_cross": NoParams,
    "sma20_cross": NoParams,
    "adx_trend": AdxTrendParams,
    "volume_spike": VolumeSpikeParams,
    "price_change_1h": PriceChange1hParams,
    "price_change_24h": PriceChange24hParams,
    "fib_cross": NoParams,
    "obv_divergence": ObvDivergenceParams,
    "atr_spike": AtrSpikeParams,
    "news_sentiment": NewsSentimentParams,
}

#: A watchlist's ``rules:`` section: rule id -> param overrides (and ``enabled``).
RuleConfig = Mapping[str, Mapping[str, Any]]


def _coerce(rule_id: str, name: str, raw: Any, default: Any) -> Any:
    """A config value as the type of the param's default (YAML may write ``3`` for ``3.0``)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be a number, got {raw!r}")
    if isinstance(default, int):
        if float(raw) != int(raw):
            raise ValueError(f"rule {rule_id!r}: param {name!r} must be a whole number of candles, got {raw!r}")
        return int(raw)
    if not math.isfinite(raw):
        raise ValueError(f"rule {rule_id!r}: param {name!r} must be finite, got {raw!r}")
    return float(raw)


def _params(rule_id: str, overrides: Any) -> Params | None:
    """The rule's params with ``overrides`` applied; None when they turn it off; ValueError naming what is wrong."""
    params_type = RULE_PARAMS[rule_id]
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ValueError(f"rule {rule_id!r}: expected a mapping of params, got {overrides!r}")
    overrides = dict(overrides)
    enabled = overrides.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"rule {rule_id!r}: 'enabled' must be true or false, got {enabled!r}")
    defaults = params_type()
    known = [f.name for f in fields(params_type)]  # type: ignore[arg-type]
    unknown = [name for name in overrides if name not in known]
    if unknown:
        accepted = f"known params: {', '.join(known)}" if known else "it takes no params"
        raise ValueError(f"rule {rule_id!r}: unknown param {', '.join(map(repr, unknown))} ({accepted}, enabled)")
    values = {name: _coerce(rule_id, name, raw, getattr(defaults, name)) for name, raw in overrides.items()}
    try:
        params = params_type(**values)
    except ValueError as exc:
        raise ValueError(f"rule {rule_id!r}: {exc}") from None
    return params if enabled else None


def rule_params(config: RuleConfig | None = None) -> dict[str, Params | None]:
    """Every rule's params, in firing order, with ``config``'s overrides; None for a rule it turns off.

    Raises ValueError listing every problem at once, one per line, each naming
    the rule and the param: the check the watchlist runs, and what the
    analysis builds its rules from.
    """
    config = {} if config is None else config
    if not isinstance(config, Mapping):
        raise ValueError(f"rule config must be a mapping of rule id to params, got {config!r}")
    problems = [
        f"unknown rule {rule_id!r} (known rules: {', '.join(RULE_PARAMS)})"
        for rule_id in config
        if rule_id not in RULE_PARAMS
    ]
    chosen: dict[str, Params | None] = {}
    for rule_id in RULE_PARAMS:
        try:
            chosen[rule_id] = _params(rule_id, config.get(rule_id))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("\n".join(problems))
    return chosen

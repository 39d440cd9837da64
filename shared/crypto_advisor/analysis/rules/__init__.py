"""Trigger rules: what on a just-closed candle is worth telling a trader.

A rule reads an indicator frame (one row per closed candle, oldest first,
``ts open high low close volume`` and the indicator columns) and judges its last
row against the row before. It fires on a *crossing*: the condition holds on the
last candle and did not hold on the one before, so a condition that merely
persists fires once, not on every candle. The notifier's cooldown is the second
line of defence against spam, not the first.

Rules are pure and stateless: the frame is all they know, and they read only
rows up to its last. The one rule that needs memory (RSI hysteresis) reads it
back from the frame's history within a bounded lookback, so replaying the
archive and running live on a window of recent candles give the same answer
once both hold that many candles before the one judged. A rule whose inputs are
missing or NaN on the rows it needs (indicator warm-up) does not apply and
returns ``None``.

Configuration is a mapping ``rule_id -> {param: value}`` of overrides; every
rule is on with its defaults unless overridden, and ``enabled: false`` turns a
rule off. The parameters and their check are the watchlist's
(:mod:`crypto_advisor.contracts.rule_params`, run by every function's
watchlist check, the ingest's included); :func:`build_rules` makes the rules.

Severity is 1 (info), 2 (notable) or 3 (strong); each rule's docstring says how
it sets it. Magnitude rules (volume, ATR, price change) call a move of at least
twice the threshold strong.

Modules: :mod:`.base` (the Rule protocol, :func:`evaluate_all`),
:mod:`.reading` and
:mod:`.wording` (frame and number helpers), one module per rule family
(:mod:`.oscillators`, :mod:`.moving_averages`, :mod:`.volatility`,
:mod:`.volume`, :mod:`.price_change`, :mod:`.fibonacci`, :mod:`.news_mood`),
:mod:`.conditions` (the watchlist's user conditions, one rule each: :func:`with_conditions`),
:mod:`.registry` (every rule with its title) and :mod:`.config`
(:func:`build_rules`).
"""

from __future__ import annotations

from crypto_advisor.analysis.rules.base import Rule, evaluate_all
from crypto_advisor.analysis.rules.conditions import ConditionRule, condition_rules, with_conditions
from crypto_advisor.analysis.rules.config import RuleConfig, build_rules
from crypto_advisor.analysis.rules.fibonacci import FIB_LEVELS, KEY_FIB_LEVELS, FibCross
from crypto_advisor.analysis.rules.moving_averages import EmaCross, GoldenDeathCross, Sma20Cross
from crypto_advisor.analysis.rules.news_mood import NewsSentiment
from crypto_advisor.analysis.rules.oscillators import AdxTrend, MacdCross, RsiOverbought, RsiOversold
from crypto_advisor.analysis.rules.price_change import PriceChange1h, PriceChange24h
from crypto_advisor.analysis.rules.registry import (
    RULE_TITLES,
    RULE_TYPES,
    RULES_BY_ID,
    title_of,
)
from crypto_advisor.analysis.rules.volatility import CONFIRMING_VOLUME, AtrSpike, BollingerBreakout, BollingerSqueeze
from crypto_advisor.analysis.rules.volume import ObvDivergence, VolumeSpike
from crypto_advisor.contracts.rule_params import (
    AdxTrendParams,
    AtrSpikeParams,
    NewsSentimentParams,
    NoParams,
    ObvDivergenceParams,
    Params,
    PriceChange1hParams,
    PriceChange24hParams,
    PriceChangeParams,
    RsiOverboughtParams,
    RsiOversoldParams,
    RsiZoneParams,
    SqueezeParams,
    VolumeSpikeParams,
    WindowParams,
)

__all__ = [
    "CONFIRMING_VOLUME",
    "FIB_LEVELS",
    "KEY_FIB_LEVELS",
    "RULES_BY_ID",
    "RULE_TITLES",
    "RULE_TYPES",
    "AdxTrend",
    "AdxTrendParams",
    "AtrSpike",
    "AtrSpikeParams",
    "BollingerBreakout",
    "BollingerSqueeze",
    "ConditionRule",
    "EmaCross",
    "FibCross",
    "GoldenDeathCross",
    "MacdCross",
    "NewsSentiment",
    "NewsSentimentParams",
    "NoParams",
    "ObvDivergence",
    "ObvDivergenceParams",
    "Params",
    "PriceChange1h",
    "PriceChange1hParams",
    "PriceChange24h",
    "PriceChange24hParams",
    "PriceChangeParams",
    "RsiOverbought",
    "RsiOverboughtParams",
    "RsiOversold",
    "RsiOversoldParams",
    "RsiZoneParams",
    "Rule",
    "RuleConfig",
    "Sma20Cross",
    "SqueezeParams",
    "VolumeSpike",
    "VolumeSpikeParams",
    "WindowParams",
    "build_rules",
    "condition_rules",
    "evaluate_all",
    "title_of",
    "with_conditions",
]

"""Every rule, in the order firings are reported, with the title an email gives it.

The one list of rules: the analysis builds from it, the notifier names firings
from it, so a new rule is added here once and cannot reach an email untitled.
A title may change with the firing's direction where one rule covers two
named events (a golden cross and a death cross).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.fibonacci import FibCross
from crypto_advisor.analysis.rules.moving_averages import EmaCross, GoldenDeathCross, Sma20Cross
from crypto_advisor.analysis.rules.news_mood import NewsSentiment
from crypto_advisor.analysis.rules.oscillators import AdxTrend, MacdCross, RsiOverbought, RsiOversold
from crypto_advisor.analysis.rules.price_change import PriceChange1h, PriceChange24h
from crypto_advisor.analysis.rules.volatility import AtrSpike, BollingerBreakout, BollingerSqueeze
from crypto_advisor.analysis.rules.volume import ObvDivergence, VolumeSpike


@dataclass(frozen=True, slots=True)
class RegisteredRule:
    """A rule type and how a subject, a heading or a chart names its firings."""

    rule_type: type[Rule]
    title: str
    #: the title of a firing in one direction, where the direction names a different event
    titles_by_direction: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.rule_type.id

    def title_for(self, direction: str) -> str:
        return self.titles_by_direction.get(direction, self.title)


REGISTRY: tuple[RegisteredRule, ...] = (
    RegisteredRule(RsiOversold, "RSI oversold"),
    RegisteredRule(RsiOverbought, "RSI overbought"),
    RegisteredRule(MacdCross, "MACD signal cross"),
    RegisteredRule(BollingerBreakout, "Bollinger breakout"),
    RegisteredRule(BollingerSqueeze, "Bollinger squeeze"),
    RegisteredRule(EmaCross, "EMA 9/21 cross"),
    RegisteredRule(GoldenDeathCross, "Golden/death cross", {"bullish": "Golden cross", "bearish": "Death cross"}),
    RegisteredRule(Sma20Cross, "Close crossed SMA 20"),
    RegisteredRule(AdxTrend, "Trend strengthening (ADX)"),
    RegisteredRule(VolumeSpike, "Volume spike"),
    RegisteredRule(PriceChange1h, "1h price move"),
    RegisteredRule(PriceChange24h, "24h price move"),
    RegisteredRule(FibCross, "Fibonacci level cross"),
    RegisteredRule(ObvDivergence, "OBV divergence"),
    RegisteredRule(AtrSpike, "Volatility spike (ATR)"),
    RegisteredRule(
        NewsSentiment, "News mood turn", {"bullish": "News turned positive", "bearish": "News turned negative"}
    ),
)
REGISTERED_BY_ID: dict[str, RegisteredRule] = {entry.id: entry for entry in REGISTRY}

RULE_TYPES: tuple[type[Rule], ...] = tuple(entry.rule_type for entry in REGISTRY)
RULES_BY_ID: dict[str, type[Rule]] = {entry.id: entry.rule_type for entry in REGISTRY}
#: Each rule's title whatever the direction.
RULE_TITLES: dict[str, str] = {entry.id: entry.title for entry in REGISTRY}


def title_of(rule_id: str, direction: str) -> str | None:
    """How a firing of ``rule_id`` in ``direction`` reads as a title; None for a rule this analysis does not know."""
    entry = REGISTERED_BY_ID.get(rule_id)
    return entry.title_for(direction) if entry is not None else None

"""Every rule, in the order firings are reported, with the title an email gives it.

The one list of rules: the analysis builds from it, and each entry carries the
rule's title from :mod:`crypto_advisor.analysis.rule_titles` (which the
notifier reads without importing the rules and pandas); a rule without a title
there fails this module's import, so a new rule cannot reach an email untitled.
A title may change with the firing's direction where one rule covers two named
events (a golden cross and a death cross).
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.analysis.rule_titles import TITLES, RuleTitle, title_of
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
    naming: RuleTitle

    @property
    def id(self) -> str:
        return self.rule_type.id

    @property
    def title(self) -> str:
        return self.naming.title

    def title_for(self, direction: str) -> str:
        return self.naming.title_for(direction)


def _registered(*rule_types: type[Rule]) -> tuple[RegisteredRule, ...]:
    untitled = [t.id for t in rule_types if t.id not in TITLES]
    if untitled:
        raise RuntimeError(f"rules without a title in analysis/rule_titles.py: {', '.join(untitled)}")
    return tuple(RegisteredRule(t, TITLES[t.id]) for t in rule_types)


REGISTRY: tuple[RegisteredRule, ...] = _registered(
    RsiOversold,
    RsiOverbought,
    MacdCross,
    BollingerBreakout,
    BollingerSqueeze,
    EmaCross,
    GoldenDeathCross,
    Sma20Cross,
    AdxTrend,
    VolumeSpike,
    PriceChange1h,
    PriceChange24h,
    FibCross,
    ObvDivergence,
    AtrSpike,
    NewsSentiment,
)
REGISTERED_BY_ID: dict[str, RegisteredRule] = {entry.id: entry for entry in REGISTRY}

RULE_TYPES: tuple[type[Rule], ...] = tuple(entry.rule_type for entry in REGISTRY)
RULES_BY_ID: dict[str, type[Rule]] = {entry.id: entry.rule_type for entry in REGISTRY}
#: Each rule's title whatever the direction.
RULE_TITLES: dict[str, str] = {entry.id: entry.title for entry in REGISTRY}

__all__ = [
    "REGISTERED_BY_ID",
    "REGISTRY",
    "RULES_BY_ID",
    "RULE_TITLES",
    "RULE_TYPES",
    "RegisteredRule",
    "title_of",
]

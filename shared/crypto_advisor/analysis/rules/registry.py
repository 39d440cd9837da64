"""Every rule, in the order firings are reported, with the title an email gives it.

The one list of rules: the analysis builds from it, and every rule in it has its
title in :mod:`crypto_advisor.analysis.rule_titles` (which the
notifier reads without importing the rules and pandas); a rule without a title
there fails this module's import, so a new rule cannot reach an email untitled.
A title may change with the firing's direction where one rule covers two named
events (a golden cross and a death cross).
"""

from __future__ import annotations

from dataclasses import fields

from crypto_advisor.analysis.rule_titles import TITLES, title_of
from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.fibonacci import FibCross
from crypto_advisor.analysis.rules.moving_averages import EmaCross, GoldenDeathCross, Sma20Cross
from crypto_advisor.analysis.rules.news_mood import NewsSentiment
from crypto_advisor.analysis.rules.oscillators import AdxTrend, MacdCross, RsiOverbought, RsiOversold
from crypto_advisor.analysis.rules.price_change import PriceChange1h, PriceChange24h
from crypto_advisor.analysis.rules.volatility import AtrSpike, BollingerBreakout, BollingerSqueeze
from crypto_advisor.analysis.rules.volume import ObvDivergence, VolumeSpike
from crypto_advisor.contracts.rule_params import RULE_PARAMS


def _titled(*rule_types: type[Rule]) -> tuple[type[Rule], ...]:
    untitled = [t.id for t in rule_types if t.id not in TITLES]
    if untitled:
        raise RuntimeError(f"rules without a title in analysis/rule_titles.py: {', '.join(untitled)}")
    return rule_types


def _params_type(rule_type: type[Rule]) -> type:
    return next(f for f in fields(rule_type) if f.name == "params").default_factory  # type: ignore[arg-type, return-value]


def _checked_by_the_watchlist(rule_types: tuple[type[Rule], ...]) -> tuple[type[Rule], ...]:
    """The rules, once each is known to the watchlist's check with the params it takes, in the same order.

    The check (:data:`crypto_advisor.contracts.rule_params.RULE_PARAMS`) lives
    in the contracts, where the ingest can run it without the analysis: a rule
    missing there, or taking other params, would be refused or misread.
    """
    listed = [(t.id, _params_type(t)) for t in rule_types]
    if listed != list(RULE_PARAMS.items()):
        raise RuntimeError(
            "contracts/rule_params.py RULE_PARAMS must list every rule, in this order, with its params class: "
            f"{', '.join(f'{rule_id}: {params.__name__}' for rule_id, params in listed)}"
        )
    return rule_types


#: Every rule, in the order firings are reported; each has its title in ``rule_titles.TITLES``.
RULE_TYPES: tuple[type[Rule], ...] = _checked_by_the_watchlist(
    _titled(
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
)
RULES_BY_ID: dict[str, type[Rule]] = {t.id: t for t in RULE_TYPES}
#: Each rule's title whatever the direction.
RULE_TITLES: dict[str, str] = {t.id: TITLES[t.id].title for t in RULE_TYPES}

__all__ = ["RULES_BY_ID", "RULE_TITLES", "RULE_TYPES", "title_of"]

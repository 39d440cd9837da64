"""How a subject, a heading or a chart names each rule's firings.

The registry (:mod:`crypto_advisor.analysis.rules.registry`) gives every rule
its entry here and refuses to import if one is missing, so a new rule cannot
reach an email untitled. The titles live in this module, apart from the rules,
because the rules need pandas and NotifyFunction names firings on every signal
but draws (and so needs pandas) only for the few that become emails.

A user condition (rule id ``condition:<name>``, from the watchlist) is titled by
its name: the user chose it, or it is the expression itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from crypto_advisor.contracts.conditions import condition_name, is_user_condition


@dataclass(frozen=True, slots=True)
class RuleTitle:
    """A rule's title, and the title of a firing in one direction where the direction names a different event."""

    title: str
    by_direction: Mapping[str, str] = field(default_factory=dict)

    def title_for(self, direction: str) -> str:
        return self.by_direction.get(direction, self.title)


#: By rule id, in the order firings are reported.
TITLES: dict[str, RuleTitle] = {
    "rsi_oversold": RuleTitle("RSI oversold"),
    "rsi_overbought": RuleTitle("RSI overbought"),
    "macd_cross": RuleTitle("MACD signal cross"),
    "bb_breakout": RuleTitle("Bollinger breakout"),
    "bb_squeeze": RuleTitle("Bollinger squeeze"),
    "ema_cross": RuleTitle("EMA 9/21 cross"),
    "golden_death_cross": RuleTitle("Golden/death cross", {"bullish": "Golden cross", "bearish": "Death cross"}),
    "sma20_cross": RuleTitle("Close crossed SMA 20"),
    "adx_trend": RuleTitle("Trend strengthening (ADX)"),
    "volume_spike": RuleTitle("Volume spike"),
    "price_change_1h": RuleTitle("1h price move"),
    "price_change_24h": RuleTitle("24h price move"),
    "fib_cross": RuleTitle("Fibonacci level cross"),
    "obv_divergence": RuleTitle("OBV divergence"),
    "atr_spike": RuleTitle("Volatility spike (ATR)"),
    "news_sentiment": RuleTitle(
        "News mood turn", {"bullish": "News turned positive", "bearish": "News turned negative"}
    ),
}


def title_of(rule_id: str, direction: str) -> str | None:
    """How a firing of ``rule_id`` in ``direction`` reads as a title; None for a rule this analysis does not know."""
    if is_user_condition(rule_id):
        return condition_name(rule_id)
    entry = TITLES.get(rule_id)
    return entry.title_for(direction) if entry is not None else None

"""Building the rules from a watchlist's ``rules`` section: every rule on with its defaults unless overridden.

The section's check is the watchlist's own
(:func:`crypto_advisor.contracts.rule_params.rule_params`, run by
:func:`~crypto_advisor.contracts.watchlist_file.parse_watchlist` in every function,
the ingest included), so a mistake in it stops every function at start,
named, rather than only the analysis. Here the checked params become rules.
"""

from __future__ import annotations

from crypto_advisor.analysis.rules.base import Rule
from crypto_advisor.analysis.rules.registry import RULES_BY_ID
from crypto_advisor.contracts.rule_params import RuleConfig, rule_params


def build_rules(config: RuleConfig | None = None) -> list[Rule]:
    """Every rule with its defaults, overridden by ``config``; rules with ``enabled: false`` left out.

    Every problem is reported at once (ValueError), one per line, each naming
    the rule and the param.
    """
    chosen = rule_params(config)
    return [RULES_BY_ID[rule_id](params) for rule_id, params in chosen.items() if params is not None]  # type: ignore[call-arg]


__all__ = ["RuleConfig", "build_rules"]

"""The watchlist's rules section reaches the trigger rules."""

from __future__ import annotations

import pytest

from crypto_advisor.analysis.rules import build_rules


def test_the_watchlist_rules_section_configures_the_rules_and_names_a_bad_one():
    from crypto_advisor.contracts.watchlist import WatchlistError
    from crypto_advisor.contracts.watchlist_file import parse_watchlist

    # Given a watchlist that lowers the oversold level and switches the volume spike off
    good = parse_watchlist(
        "series: [{source: kraken, symbol: BTC/USD}]\n"
        "rules: {rsi_oversold: {level: 25}, volume_spike: {enabled: false}}\n"
    )
    # When the rules are built from it
    rules = {r.id: r for r in build_rules(good.rules)}
    # Then the override is applied and the disabled rule is gone
    assert rules["rsi_oversold"].params.level == 25 and "volume_spike" not in rules
    # And a misspelt rule is reported by name, by the watchlist's own check (before issue 11: only by build_rules,
    # so it passed the ingest's check and failed every analysis at cold start)
    with pytest.raises(WatchlistError, match="rules: unknown rule 'rsi_oversld'"):
        parse_watchlist("series: [{source: kraken, symbol: BTC/USD}]\nrules: {rsi_oversld: {level: 25}}\n")

"""The watchlist's one check covers its ``rules:`` section, and every function runs it at start, the ingest too.

Before issue 11 a bad ``rules:`` entry passed the ingest's watchlist check (the
rules were checked only when AnalyzeFunction built them) and failed every
Analyze batch at cold start while the ingest kept publishing.
"""

from __future__ import annotations

import pytest

from crypto_advisor.analysis.rules import RULES_BY_ID, build_rules
from crypto_advisor.contracts.errors import ConfigError
from crypto_advisor.contracts.rule_params import RULE_PARAMS
from crypto_advisor.contracts.watchlist import WatchlistError
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.wiring.ingest import ingest_deps
from crypto_advisor.wiring.settings import IngestSettings

BAD_RULES = """
series:
  - {source: kraken, symbol: BTC/USD}
  - {source: kraken, symbol: ETH/USD, timeframe: 2h}
rules:
  rsi_oversld: {level: 25}
  volume_spike: {factor: high}
  atr_spike: {window: 0, enabled: maybe}
"""


def test_the_watchlist_check_names_every_bad_rule_with_the_other_problems():
    # Given a watchlist with a misspelt rule, a param of the wrong type, a bad value and a bad series
    # When it is checked
    with pytest.raises(WatchlistError) as refused:
        parse_watchlist(BAD_RULES, "config/watchlist.yaml")

    # Then every problem is reported at once, each rule one named
    problems = str(refused.value).removeprefix("config/watchlist.yaml: ").split("; ")
    assert problems[:3] == [
        f"rules: unknown rule 'rsi_oversld' (known rules: {', '.join(RULE_PARAMS)})",
        "rules: rule 'volume_spike': param 'factor' must be a number, got 'high'",
        "rules: rule 'atr_spike': 'enabled' must be true or false, got 'maybe'",
    ]
    assert problems[3].startswith("series[1] (kraken ETH/USD 2h): timeframe: unknown timeframe '2h'")


def test_a_watchlist_the_check_passes_builds_its_rules():
    # Given a watchlist whose rules section the check accepted
    watchlist = parse_watchlist("series: [{source: kraken, symbol: BTC/USD}]\nrules: {adx_trend: {level: 30}}\n")

    # When the analysis builds its rules / Then it cannot fail: the check and the build read the same params
    rules = {rule.id: rule for rule in build_rules(watchlist.rules)}
    assert rules["adx_trend"].params.level == 30.0


def test_the_check_knows_every_rule_the_analysis_has_with_its_params():
    # Given the contract's list and the analysis' registry
    # Then they name the same rules, in the same order, each with the params class it takes
    assert list(RULE_PARAMS) == list(RULES_BY_ID)
    assert [type(rule.params) for rule in build_rules()] == list(RULE_PARAMS.values())


def test_the_ingest_refuses_a_watchlist_with_a_bad_rule_at_start(tmp_path, monkeypatch):
    # Given the ingest's settings, pointing at a watchlist with a misspelt rule
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    path = tmp_path / "watchlist.yaml"
    path.write_text("series: [{source: kraken, symbol: BTC/USD}]\nrules: {rsi_oversld: {level: 25}}\n")
    settings = IngestSettings.from_env(
        {
            "WATCHLIST_URI": path.as_uri(),
            "ARCHIVE_BUCKET": "archive",
            "CANDLES_TABLE": "candles",
            "CANDLE_STREAM": "stream",
            "HOT_WINDOW_CANDLES": "1000",
        }
    )

    # When IngestFunction builds its dependencies (its cold start)
    # Then it stops, naming the rule, as AnalyzeFunction would
    with pytest.raises(ConfigError, match="rules: unknown rule 'rsi_oversld'"):
        ingest_deps(settings)

"""The replay report read as the figures an email quotes per rule."""

from __future__ import annotations

import json

import pytest

from crypto_advisor.analysis.edge_verdicts import EDGE, NO_EVIDENCE, TOO_FEW
from crypto_advisor.analysis.replay import replay
from crypto_advisor.analysis.rules import build_rules
from crypto_advisor.notify.replay_figures import rule_records
from crypto_advisor.notify.view import RuleRecord

from .conftest import SERIES


def stats(n: int, hit: float | None = 0.6, base: float | None = 0.5) -> dict:
    """One horizon as replay() reports it: no rates without outcomes."""
    return {"n": n, "hit_rate": hit if n else None, "base_rate": base if n else None, "median_return": None}


def report(*rules: dict, replayed: int = 1_800) -> dict:
    return {"series": SERIES.key, "candles": 2_000, "replayed": replayed, "rules": list(rules)}


def rule(rule_id: str, horizons: dict) -> dict:
    return {"rule_id": rule_id, "firings": 40, "per_week": 1.0, "horizons": horizons}


def judged(n: int, verdict: str, t: float | None, blocks: int, hit: float = 0.6) -> dict:
    """One horizon with the out-of-sample test's figures, as replay() reports them now."""
    return {**stats(n, hit), "blocks": blocks, "t": t, "p": 0.01, "q": 0.03, "bh_kept": True, "verdict": verdict}


def test_the_24_candle_horizon_is_quoted_when_it_has_data():
    figures = rule_records(report(rule("rsi_oversold", {"1": stats(40), "4": stats(40), "24": stats(37, 0.58, 0.51)})))
    assert figures == {"rsi_oversold": RuleRecord("rsi_oversold", 24, 0.58, 0.51, 37, 1_800)}


def test_without_24_candle_data_the_longest_horizon_with_data_is_quoted():
    # Given firings too recent for a 24-candle outcome
    figures = rule_records(report(rule("macd_cross", {"1": stats(5, 0.4), "4": stats(3, 0.7), "24": stats(0)})))
    assert figures["macd_cross"].horizon_candles == 4 and figures["macd_cross"].hit_rate == 0.7


def test_a_rule_that_never_fired_is_left_out_rather_than_quoted_as_zero():
    figures = rule_records(report(rule("golden_death_cross", {"1": stats(0), "4": stats(0), "24": stats(0)})))
    assert figures == {}


def test_the_out_of_sample_verdict_is_carried_with_its_t_and_blocks():
    figures = rule_records(report(rule("rsi_oversold", {"24": judged(80, EDGE, 2.7, 64)})))
    assert figures["rsi_oversold"] == RuleRecord("rsi_oversold", 24, 0.6, 0.5, 80, 1_800, EDGE, 2.7, 64)


def test_an_untested_horizon_keeps_its_verdict_without_a_t():
    figures = rule_records(report(rule("golden_death_cross", {"24": judged(3, TOO_FEW, None, 3)})))
    record = figures["golden_death_cross"]
    assert (record.verdict, record.t, record.blocks) == (TOO_FEW, None, 3)


def test_a_report_written_before_the_edge_test_reads_as_no_evidence():
    # Given an old S3 object: a 20-point gap over 400 firings, and no verdict
    figures = rule_records(report(rule("macd_cross", {"24": stats(400, hit=0.7, base=0.5)})))
    # Then the figures are quoted with no claim of an edge
    record = figures["macd_cross"]
    assert (record.hit_rate, record.verdict, record.t, record.blocks) == (0.7, NO_EVIDENCE, None, None)


def test_an_unknown_verdict_or_a_t_that_is_no_number_is_an_error():
    with pytest.raises(ValueError, match="verdict"):
        rule_records(report(rule("rsi_oversold", {"24": judged(80, "probably", 2.7, 64)})))
    with pytest.raises(ValueError, match="edge t"):
        rule_records(report(rule("rsi_oversold", {"24": {**judged(80, EDGE, 2.7, 64), "t": "2.7"}})))
    with pytest.raises(ValueError, match="blocks"):
        rule_records(report(rule("rsi_oversold", {"24": {**judged(80, EDGE, 2.7, 64), "blocks": None}})))


def test_a_malformed_report_is_an_error_not_an_empty_track_record():
    with pytest.raises(ValueError, match="rules"):
        rule_records({"series": SERIES.key})
    with pytest.raises(ValueError, match="horizon"):
        rule_records(report(rule("rsi_oversold", {"a day": stats(3)})))


def test_the_figures_of_a_real_replay_read_back_from_its_json(market_candles):
    # Given the replay of the rules over the seeded market, stored as JSON as the demo stores it
    direct = replay(SERIES, market_candles[:500], build_rules(None), warmup=200)
    stored = json.loads(json.dumps(direct))
    # When the figures are read
    figures = rule_records(stored)
    # Then every rule with 24-candle outcomes is quoted at 24 candles with the report's own numbers and verdict
    assert figures, "the seeded market should fire some rule in 300 candles"
    assert figures == rule_records(direct)
    for entry in stored["rules"]:
        day = entry["horizons"]["24"]
        if day["n"]:
            assert figures[entry["rule_id"]] == RuleRecord(
                entry["rule_id"],
                24,
                day["hit_rate"],
                day["base_rate"],
                day["n"],
                stored["replayed"],
                day["verdict"],
                day["t"],
                day["blocks"],
            )


def test_the_strength_of_past_firings_is_carried_when_there_are_enough_and_a_bad_one_is_an_error():
    figures = report(rule("rsi_oversold", {"24": stats(37)}), rule("macd_cross", {"24": stats(30)}))
    figures["strength"] = {
        "rsi_oversold": {"n": 40, "quantiles": [0.5, 2.0, 7.5]},
        "macd_cross": {"n": 3, "quantiles": [1, 2]},
    }
    records = rule_records(figures)
    assert records["rsi_oversold"].strength == (40, (0.5, 2.0, 7.5))
    assert records["macd_cross"].strength is None  # 3 past firings are too few to compare with
    figures["strength"] = ["rsi_oversold"]
    with pytest.raises(ValueError, match="'strength' is not a mapping"):
        rule_records(figures)


def test_the_tests_own_gap_over_its_blocks_is_carried_and_a_gap_that_is_no_number_is_an_error():
    # Given a horizon whose firings beat any candle (56% vs 49% over all 63) while its non-overlapping ones did not
    horizon = {**judged(63, NO_EVIDENCE, -0.1, 21, hit=0.56), "base_rate": 0.49, "excess": -0.004}
    record = rule_records(report(rule("obv_divergence", {"24": horizon})))["obv_divergence"]
    # Then the record keeps the test's own gap beside the shares over every firing
    assert (record.hit_rate, record.base_rate, record.t, record.excess) == (0.56, 0.49, -0.1, -0.004)
    with pytest.raises(ValueError, match="edge excess"):
        rule_records(report(rule("obv_divergence", {"24": {**horizon, "excess": "-0.004"}})))

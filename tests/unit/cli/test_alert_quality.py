"""``make alert-quality``: the live analysis and policy over history, and the figures a user judges them by."""

from __future__ import annotations

import json
from dataclasses import replace

from crypto_advisor.analysis.alert_budget import Candidate, candidate_of
from crypto_advisor.analysis.edge_verdicts import VERDICTS
from crypto_advisor.cli.alert_quality import main
from crypto_advisor.cli.alert_simulation import block_t, decide_over, measure
from crypto_advisor.cli.replay import demo_candles
from crypto_advisor.cli.replay import main as replay_main
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Health, Rarity, Signal
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, WEEK_MS
from crypto_advisor.contracts.watchlist import AlertPolicy
from crypto_advisor.notify.policy import SUPPRESS_REASONS

HOUR = HOUR_MS
SERIES = Series.parse("kraken:BTC-USD:1h")
POLICY = AlertPolicy(recipients=("me@example.com",))


def signal(ts: int, score: float | None, rule: str = "bb_breakout", direction: str = "bullish") -> Signal:
    firings = []
    if score is not None:
        rarity = Rarity(score=score, measure="range", words=f"the highest close in {score:g} hours")
        firings.append(
            FiringRecord(
                rule_id=rule,
                direction=direction,
                severity=2,
                value=1.0,
                threshold=0.5,
                distance=0.5,
                unit="%",
                sentence="x",
                rarity=rarity,
            )
        )
    return Signal(
        series=SERIES.key, candle_ts=ts, close=1.0, firings=firings, health=Health(healthy=True), analyzed_at=ts + HOUR
    )


def test_the_policy_over_history_keeps_the_budget_and_sends_the_rare_candles():
    candles = demo_candles(count=24 * 7 * 10)
    first = 200
    # Every candle fires; every 20th is a record of 500 candles, the rest routine (5).
    signals = [
        (i, signal(c.ts, 500.0 if i % 20 == 0 else 5.0, rule=f"rule_{i % 3}"))
        for i, c in enumerate(candles)
        if i >= first
    ]
    sim = decide_over(SERIES, candles, signals, POLICY, first=first)
    report = measure(sim)
    assert report["emails"] > 0
    assert all(e.index % 20 == 0 for e in sim.emails)  # only the rare candles
    assert report["emails_per_week"] <= POLICY.max_per_week
    # No rolling seven days holds more than the cap.
    assert all(sum(1 for e in sim.emails if 0 <= e.ts - start.ts < WEEK_MS) <= 3 for start in sim.emails)
    assert set(report["suppressed"]) <= set(SUPPRESS_REASONS)
    assert report["suppressed"]["below_threshold"] > 0
    assert report["digests"] == report["days"]
    assert 0 <= report["days_without_alert_share"] <= 1


def test_the_bar_is_calibrated_only_from_candles_before_the_day_it_applies_to():
    candles = demo_candles(count=24 * 7 * 8)
    first = 200
    signals = [(i, signal(c.ts, 50.0)) for i, c in enumerate(candles) if i >= first]
    sim = decide_over(SERIES, candles, signals, POLICY, first=first)
    days = (candles[-1].ts - candles[first].ts) // DAY_MS + 1
    assert len(sim.bars) in (days, days + 1)
    assert sim.bars[0].source == "default"  # no past yet
    # The first calibrated day is the first with four weeks of past candidates behind it.
    calibrated = next(i for i, b in enumerate(sim.bars) if b.source == "calibrated")
    assert 27 <= calibrated <= 29


def test_a_candidate_is_the_healthy_firings_of_enough_severity():
    assert candidate_of(signal(0, 12.0), POLICY) == Candidate(0, {"bb_breakout": 12.0})
    assert candidate_of(signal(0, None), POLICY) is None
    sick = signal(0, 12.0).model_copy(update={"health": Health(healthy=False, reasons=["gap"])})
    assert candidate_of(sick, POLICY) is None


def test_overlapping_outcomes_count_as_one_block():
    _, blocks = block_t([1.0, 1.0, 0.0, -1.0], [0, HOUR, 30 * HOUR, 60 * HOUR], 24 * HOUR)
    assert blocks == 3  # the first two emails share their 24h outcome
    assert block_t([0.5], [0], HOUR) == (None, 1)


def test_the_command_reads_a_csv_and_writes_the_documented_keys(tmp_path):
    candles = demo_candles(count=600)
    spike = candles[590]
    candles[590] = replace(spike, close=spike.close * 1.2, high=spike.high * 1.25, volume=spike.volume * 30)
    csv = tmp_path / "btc.csv"
    csv.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(f"{c.ts},{c.open},{c.high},{c.low},{c.close},{c.volume}\n" for c in candles)
    )
    out = tmp_path / "report.json"
    day = _iso_hour(candles[590].ts)[:10]  # decide that day only: the candles before it are the warm-up
    assert main(["--csv", str(csv), "--series", "kraken:BTC-USD:1h", "--from", day, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    for key in ("emails_per_week", "emails_per_day_p90", "days_without_alert_share", "digests", "headline"):
        assert key in report
    assert set(report["quoted_records"]) <= set(VERDICTS)
    assert {"rules", "skill"} <= set(report["headline"]) and set(report["headline"]["skill"]) == {"1", "4", "24"}
    # The planted 20% jump on the largest volume of the file is the one event worth an email.
    assert report["emails"] >= 1
    assert any(example["at"].startswith(_iso_hour(candles[590].ts)) for example in report["examples"])


def _iso_hour(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts / 1000, tz=UTC).isoformat()[:13]


def test_a_gap_in_the_csv_is_reported_and_the_candles_it_touches_never_alert(tmp_path, capsys):
    candles = demo_candles(count=600)
    kept = candles[:580] + candles[583:]  # three hours missing
    csv = tmp_path / "gappy.csv"
    csv.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(f"{c.ts},{c.open},{c.high},{c.low},{c.close},{c.volume}\n" for c in kept)
    )
    out = tmp_path / "report.json"
    day = _iso_hour(candles[583].ts)[:10]
    assert main(["--csv", str(csv), "--series", "kraken:BTC-USD:1h", "--from", day, "--out", str(out)]) == 0
    assert "1 gap (3 candles missing, not filled)" in capsys.readouterr().out
    report = json.loads(out.read_text())
    # Every candle of that day after the gap sees it within its 50-candle health window: none may alert.
    assert report["emails"] == 0 and report["suppressed"]["unhealthy_data"] >= 1


def test_a_watchlist_condition_is_replayed_and_emailed_like_any_rule(tmp_path):
    candles = demo_candles(count=600)
    csv = tmp_path / "btc.csv"
    csv.write_text(
        "timestamp,open,high,low,close,volume\n"
        + "".join(f"{c.ts},{c.open},{c.high},{c.low},{c.close},{c.volume}\n" for c in candles)
    )
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "series:\n  - {source: kraken, symbol: BTC/USD,\n"
        "     conditions: [{name: up, when: 'close > close[1]', cooldown: 1h}]}\n"
    )
    day = _iso_hour(candles[590].ts)[:10]
    out = tmp_path / "report.json"
    args = ["--csv", str(csv), "--series", "kraken:BTC-USD:1h", "--watchlist", str(watchlist), "--out", str(out)]
    assert main([*args, "--from", day]) == 0
    report = json.loads(out.read_text())
    # 'close > close[1]' becomes true after every down candle: the user asked for each, so each is emailed.
    assert report["headline"]["rules"].get("condition:up", 0) >= 3
    replayed = tmp_path / "replay.json"
    assert replay_main([*args[:4], "--watchlist", str(watchlist), "--out", str(replayed), "--warmup", "500"]) == 0
    rules = {r["rule_id"]: r for r in json.loads(replayed.read_text())["rules"]}
    assert rules["condition:up"]["firings"] >= 10

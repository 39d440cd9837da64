"""The series' email record in the replay report: the emails ``make alert-quality`` counts, as the email quotes them.

The alert email tells a trader how past alerts on the series fared. That figure is only honest if it is the same
measurement ``make alert-quality`` documents (the live analysis and policy over the same candles, the walk-forward
bar, the series' own conditions and their cooldowns), so these tests hold the training run to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from crypto_advisor.analysis.edge_verdicts import WORSE
from crypto_advisor.analysis.rules import Rule, build_rules
from crypto_advisor.cli.alert_simulation import measure, simulate
from crypto_advisor.cli.replay import demo_candles
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.watchlist import Watchlist
from crypto_advisor.contracts.watchlist_file import parse_watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.email_record import Email, Simulation, email_record
from crypto_advisor.training.ports import Ports
from crypto_advisor.training.service import REPLAY_WARMUP, run_training
from tests.fakes.training import FakeArchive, FakeForecaster, FakeModels, FakeReplayStats

HOUR = 3_600_000
BTC = Series.parse("kraken:BTC-USD:1h")
#: A condition true after every down candle with a short cooldown: many emails, and its own cooldown decides them.
WATCHLIST = parse_watchlist(
    "series:\n  - {source: kraken, symbol: BTC/USD,\n"
    "     conditions: [{name: up, when: 'close > close[1]', cooldown: 1h}]}\n"
)


def train(candles: list[Candle]) -> dict:
    """The replay report the training run writes for BTC over ``candles``."""
    return train_on(WATCHLIST, candles, build_rules(WATCHLIST.rules))


def train_on(watchlist: Watchlist, candles: list[Candle], rules: Sequence[Rule]) -> dict:
    stats = FakeReplayStats()
    ports = Ports(
        archive=FakeArchive({BTC.key: candles}), replay_figures=stats, models=FakeModels(), forecaster=FakeForecaster()
    )
    run_training(watchlist, now_ms=candles[-1].ts + HOUR, config=ForecastConfig(), rules=rules, ports=ports)
    return stats.written[BTC.key]


def test_the_training_run_writes_the_emails_make_alert_quality_counts_over_the_same_candles() -> None:
    # Given 700 hourly candles of the demo market and a watchlist whose condition emails after every down candle
    candles = demo_candles(count=700)
    watched = WATCHLIST.series[0]
    # When the daily training run replays them, and make alert-quality measures the same candles with the same setup
    record = train(candles)["email_record"]
    expected = measure(
        simulate(BTC, candles, build_rules(WATCHLIST.rules), watched.alerts, conditions=watched.conditions)
    )
    # Then the report holds the same emails and the same headline test, horizon by horizon (the condition emailed,
    # within its own 1h cooldown, beside the built-in rules)
    assert record["emails"] == expected["emails"] > 20
    assert expected["headline"]["rules"]["condition:up"] > 0
    assert record["horizons"] == expected["headline"]["skill"]
    assert record["by_rule"] == expected["headline"]["by_rule"]
    assert record["directional"] == round(expected["headline"]["directional_share"] * expected["emails"])
    assert (record["from_ts"], record["to_ts"]) == (candles[REPLAY_WARMUP].ts, candles[-1].ts)
    # and it is stored as JSON, as S3 holds it
    assert json.loads(json.dumps(record)) == record


def test_headlines_that_pointed_the_wrong_way_read_worse_than_chance() -> None:
    # Given 400 bullish emails, each followed by a fall a candle later, in a market that rose as often as it fell
    closes = np.cumprod(np.where(np.arange(1_000) % 2 == 0, 1.01, 1 / 1.01)) * 100
    candles = [Candle(i * HOUR, c, c, c, c, 1.0) for i, c in enumerate(closes.tolist())]
    emails = [Email(candles[i].ts, i, "rsi_oversold", "bullish", "", ("rsi_oversold",)) for i in range(100, 900, 2)]
    sim = Simulation(BTC, candles, first_index=100, emails=emails, analysed=900)
    # When the record is computed
    record = email_record(sim)
    # Then a candle later they were never right, and the record says so; the counts are of the emails and candles
    one = record["horizons"]["1"]
    assert (one["hit_rate"], one["verdict"]) == (0.0, WORSE)
    assert one["base_rate"] == pytest.approx(0.5, abs=0.01)
    assert (record["emails"], record["directional"]) == (400, 400)
    assert (record["from_ts"], record["to_ts"]) == (candles[100].ts, candles[999].ts)
    # ... and so does the record of their one headline rule, which an email headlined by it quotes
    assert (record["by_rule"]["rsi_oversold"]["1"]["hit_rate"], record["by_rule"]["rsi_oversold"]["1"]["verdict"]) == (
        0.0,
        WORSE,
    )


def test_a_replay_without_any_rule_writes_no_email_record() -> None:
    # Given a series without conditions trained with no rules (nothing can fire, so nothing is walked)
    bare = parse_watchlist("series:\n  - {source: kraken, symbol: BTC/USD}\n")
    # When the training run replays it
    report = train_on(bare, demo_candles(count=300), [])
    # Then the report has no email record (the email then says nothing, rather than quoting "0 emails")
    assert "email_record" not in report and report["alert_bar"]["source"] == "default"


def test_a_record_that_starts_after_a_gap_in_the_archive_says_so() -> None:
    # Given an archive with three hours missing early on (the replay, like the rules' records, starts after them)
    candles = demo_candles(count=450)
    gappy = candles[:80] + candles[83:]
    # When the training run replays it, and a gap-free one
    after_gap = train(gappy)["email_record"]
    whole = train(candles)["email_record"]
    # Then the record says it starts after the gap (its dates alone would not say why), and the other that it does not
    assert after_gap["after_gap"] is True and after_gap["from_ts"] == gappy[80 + REPLAY_WARMUP].ts
    assert whole["after_gap"] is False

"""``make bench-scan-train`` small: the daily fit of the scan's breakout model on made-up coins, weighed against
TrainFunction's limits from the template (no timed asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from crypto_advisor.cli.bench_scan_train import format_report, scan_candles


def test_the_made_up_coins_are_hourly_closes_with_a_volume_that_never_looks_ahead():
    candles = scan_candles(3, 10)
    assert len(candles) == 3 and all(len(c) == 240 for c in candles.values())
    [first, *_] = candles.values()
    assert np.all(np.diff([c.ts for c in first]) == 3_600_000)
    assert all(c.open == c.high == c.low == c.close and c.volume and c.volume > 0 for c in first)
    # The volume's change at an hour is the trailing day's: this hour's move in, the move 24 hours back out, and no
    # later move (a centred window would let the model see the future)
    returns = np.diff(np.log([c.close for c in first]))
    volume_change = np.diff(np.log([c.volume for c in first]))
    expected = 20 / 24 * (np.abs(returns[24:]) - np.abs(returns[:-24]))
    assert np.allclose(volume_change[24:], expected)


def test_the_report_weighs_the_fit_against_train_functions_timeout_and_memory(tmp_path):
    # In an interpreter of its own, as `make bench-scan-train` runs it: the peak memory it weighs is the process's,
    # and the test run's own (thousands of tests before it) is no measure of the fit
    out = tmp_path / "scan-train.json"
    args = ["--coins", "6", "--days", "40", "--out", str(out)]
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "crypto_advisor.cli.bench_scan_train", *args], check=True, capture_output=True
    )
    report = json.loads(out.read_text())
    assert report["rows"] > 0 and report["folds"] == 4 and report["trees"] == 60
    assert (report["train_timeout_s"], report["train_memory_mb"]) == (900, 3008)
    assert report["within_timeout"] and report["within_memory"]
    assert "TrainFunction's timeout 900 s: within" in format_report(report)

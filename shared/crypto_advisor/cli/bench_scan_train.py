"""``make bench-scan-train``: the market scan's daily fit at full size, timed and weighed against TrainFunction.

Why: TrainFunction fits the scan's breakout model in its scheduled run (one model
over every coin of the scan, 90 days of each: :mod:`crypto_advisor.training.scan`),
not fanned out per coin, so its time and memory grow with the scan's size. At
a top-1,000 scan that is about 2.1 million coin-hours, a random forest fitted
once per walk-forward fold and once more on everything. Issue 14 asks that each
training invocation stay within Lambda's 15 minutes and its memory; this
measures it rather than assuming it.

What it does: ``COINS`` coins of ``DAYS`` days of hourly candles (a random walk
per coin with a shared market factor, fat-tailed returns and a 24 h volume that
moves with them, as a scan stores them: closes, volumes), then exactly the
daily run's :func:`~crypto_advisor.forecast.scan_breakout.evaluate_scan` with
the scan's configuration, in this process. It prints the rows, the seconds
(wall and CPU) of building the dataset and of the fit, the process's peak
memory, and both against TrainFunction's timeout and memory read from
``template.yaml``. The fit is single-threaded (``n_jobs=1``), so this machine's
CPU seconds are about what one of Lambda's vCPUs takes (TrainFunction's
3,008 MB get more than one; the forest does not use the second); the figure is
this machine's, not a promise.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from crypto_advisor.cli.cost_inputs import TemplateFacts
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.forecast.scan_breakout import SCAN_CONFIG, build_scan_dataset, evaluate_scan

REPO = Path(__file__).resolve().parents[3]
#: 2026-09-01T00:00Z: the candles' first hour (any hour would do).
START_MS = 1_788_220_800_000


def scan_candles(coins: int, days: int, seed: int = 7) -> dict[str, list[Candle]]:
    """Hourly candles of ``coins`` made-up scan coins: close = open = high = low (a scan holds closes only)."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    market = rng.standard_t(4, size=hours) * 0.004
    candles: dict[str, list[Candle]] = {}
    for index in range(coins):
        vol = rng.uniform(0.004, 0.03)
        beta = rng.uniform(0.5, 1.5)
        returns = beta * market + vol * rng.standard_t(3, size=hours) / np.sqrt(3)
        close = rng.uniform(0.001, 1000.0) * np.exp(np.cumsum(returns))
        # the rolling 24 h volume up to each hour (trailing: a centred window would leak the next hours' moves)
        activity = np.convolve(np.abs(returns) * 20, np.ones(24) / 24)[:hours]
        volume = rng.uniform(1e5, 1e9) * np.exp(activity)
        key = f"coingecko-markets:S{index:04d}-USD:1h"
        stamps = START_MS + np.arange(hours) * HOUR_MS
        candles[key] = [
            Candle(ts=int(t), open=float(c), high=float(c), low=float(c), close=float(c), volume=float(v))
            for t, c, v in zip(stamps, close, volume, strict=True)
        ]
    return candles


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(coins: int, days: int) -> dict[str, Any]:
    made = time.perf_counter()
    candles = scan_candles(coins, days)
    made_s = time.perf_counter() - made
    wall, cpu = time.perf_counter(), time.process_time()
    rows = len(build_scan_dataset(candles, SCAN_CONFIG).y)
    dataset_s, dataset_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    result = evaluate_scan(candles, name=f"top {coins}", config=SCAN_CONFIG)
    fit_s, fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    function = TemplateFacts.from_template(REPO / "template.yaml").functions["TrainFunction"]
    total_cpu = dataset_cpu + fit_cpu
    return {
        "coins": coins,
        "days": days,
        "rows": rows,
        "folds": result.card.folds,
        "trees": SCAN_CONFIG.rf_trees,
        "candles_made_s": round(made_s, 1),
        "dataset_s": round(dataset_s, 1),
        "dataset_cpu_s": round(dataset_cpu, 1),
        "evaluate_s": round(fit_s, 1),
        "evaluate_cpu_s": round(fit_cpu, 1),
        "peak_mb": round(peak_mb()),
        "train_timeout_s": function.timeout_s,
        "train_memory_mb": function.memory_mb,
        "within_timeout": total_cpu < function.timeout_s,
        "within_memory": peak_mb() < function.memory_mb,
        "verdict": result.card.verdict,
    }


def format_report(r: dict[str, Any]) -> str:
    ok = {True: "within", False: "OVER"}
    return "\n".join(
        [
            f"the scan's breakout fit: {r['coins']:,} coins x {r['days']} days of hourly candles",
            f"  rows (coin-hours with every feature)   {r['rows']:,}",
            f"  dataset (features, labels)             {r['dataset_s']} s wall, {r['dataset_cpu_s']} s CPU",
            f"  walk-forward ({r['folds']} folds) + final fit  {r['evaluate_s']} s wall, {r['evaluate_cpu_s']} s CPU"
            f" ({r['trees']} trees each)",
            f"  peak memory of the process             {r['peak_mb']:,} MB (the made-up candles included)",
            f"  TrainFunction's timeout {r['train_timeout_s']} s: {ok[r['within_timeout']]} "
            f"(dataset + fit CPU {r['dataset_cpu_s'] + r['evaluate_cpu_s']:.0f} s)",
            f"  TrainFunction's memory {r['train_memory_mb']:,} MB: {ok[r['within_memory']]}",
            f"  (the card on these made-up coins, whose volatilities differ: {r['verdict']})",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--coins", type=int, default=1000)
    p.add_argument("--days", type=int, default=90, help="days of hourly history per coin (the daily run reads 90)")
    p.add_argument("--out", type=Path, default=REPO / ".local" / "bench" / "scan-train.json")
    args = p.parse_args(argv)
    report = measure(args.coins, args.days)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(format_report(report))
    print(f"written: {args.out}")
    return 0 if report["within_timeout"] and report["within_memory"] else 1


if __name__ == "__main__":
    sys.exit(main())

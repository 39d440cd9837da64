#!/usr/bin/env python3
"""Time the fast indicators against the ``ta`` reference on one Kraken-sized frame.

Usage: ``.venv/bin/python tools/bench_indicators.py [--rows 720] [--runs 200] [--seed 7]``

The frame is the seeded simulated market's last ``rows`` closed hourly BTC-USD
candles. Each path runs a few times untimed first (imports, caches), then
``runs`` times; the median and the 95th percentile are printed in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from crypto_advisor.local.market import SimulatedMarket
from crypto_advisor.market.frame import from_rows
from crypto_advisor.market.indicators import compute

# The `ta` oracle lives with the tests, outside the deployed package; run as a script, the repo root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.oracles.indicators_reference import compute_reference

H = 3_600_000


def market_frame(rows: int, seed: int) -> pd.DataFrame:
    market = SimulatedMarket(seed=seed)
    now = market.epoch_ms + (rows + 100) * H + 20 * 60_000
    closed = [r for r in market.candles("BTC-USD", H, now) if r[0] + H <= now]
    return from_rows(closed[-rows:])


def timings_ms(run: Callable[[], object], runs: int, warmup: int = 5) -> np.ndarray:
    for _ in range(warmup):
        run()
    out = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter_ns()
        run()
        out[i] = (time.perf_counter_ns() - start) / 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=720)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    frame = market_frame(args.rows, args.seed)
    warnings.simplefilter("ignore", RuntimeWarning)  # ta divides by zero on flat stretches; not our concern here
    print(f"{len(frame)} rows, {args.runs} runs each (ms)")
    print(f"{'path':<20}{'median':>10}{'p95':>10}")
    medians = {}
    for name, run in (("compute", lambda: compute(frame)), ("compute_reference", lambda: compute_reference(frame))):
        ms = timings_ms(run, args.runs)
        medians[name] = float(np.median(ms))
        print(f"{name:<20}{medians[name]:>10.3f}{np.percentile(ms, 95):>10.3f}")
    print(f"speed-up (median): {medians['compute_reference'] / medians['compute']:.1f}x")


if __name__ == "__main__":
    main()

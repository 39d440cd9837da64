#!/usr/bin/env python3
"""Benchmark the analysis path AnalyzeFunction runs on each series update, and the handlers' cold import.

Usage: ``.venv/bin/python tools/bench_analysis.py [--series 1000] [--candles 720] [--seed 7]
[--warmup 10] [--import-runs 9] [--out .local/bench/analysis.json] [--profile N] [--no-predict]
[--no-imports] [--imports-only]``

A seeded market of ``--series`` series of ``--candles`` closed hourly candles
(a regime-switching random walk, generated with numpy in one go) goes through
:func:`crypto_advisor.analysis.closed_candle.analyze`, the very function the Lambda
calls: one call per series, for its last candle with the full window (to_frame,
indicators, rules, data health, Signal). Each series' window of Candles is built
just before its call, outside the timing, so one window is alive at a time as in
the Lambda. The first ``--warmup`` series are run once untimed first. Then:

1. latency: every series, each call timed with ``perf_counter_ns``, nothing else running;
2. split: ``to_frame``, ``compute(frame)`` and ``evaluate_all`` timed apart on every series;
3. memory: the analysis loop again under ``tracemalloc`` (which slows it, hence its own pass);
4. series update: one model of the default sizes (100 trees, a 16-unit LSTM over 24
   candles), trained on the first series with fewer folds and epochs (the training stack
   is imported only for this; ``--no-predict`` skips it). On every series, in alternating
   order: the update as it runs now, :func:`crypto_advisor.analysis.service.analyze_update`
   (the window cut once, the indicator frame built once for the rules and the
   predictions), and the baseline, the update as it ran before: ``analyze`` on the window,
   then ``predict`` on the candles, which cuts the window and builds the frame again. Both
   read the same in-memory window, model and signal sink, and must store equal Signals;
   ``predict`` on the candles is also timed alone;
5. cold import: ``import app`` of every function, and ``import pandas, numpy`` as the
   yardstick, each in ``--import-runs`` fresh interpreters taken in turns (so a busy
   machine slows them alike), after one untimed run each that leaves the bytecode caches
   written; with only the variables the template sets and no AWS credentials. The
   ratio is the handler's median over the yardstick's (wall time, the target's measure; the
   CPU time's ratio beside it is steadier on a machine shared with other work). A second reference, the floor,
   imports what AnalyzeFunction cannot do without (the yardstick, boto3, pydantic with one model
   defined, Powertools' Logger and Metrics): what is left above it is the project's own code.

The figures are printed and written as JSON to ``--out``; the targets are reported,
never asserted. ``--profile N`` instead runs ``analyze`` on N series under cProfile and
prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import json
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from crypto_advisor.analysis.closed_candle import analyze
from crypto_advisor.analysis.rules import Rule, build_rules, evaluate_all
from crypto_advisor.analysis.service import analyze_update
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.candle_update import CandleUpdate
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.forecast.artifacts import Artifacts
from crypto_advisor.forecast.predict import predict
from crypto_advisor.local.template_yaml import global_environment
from crypto_advisor.market.frame import to_frame
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.market.indicators import compute

ROOT = Path(__file__).resolve().parent.parent
H = 3_600_000
EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00Z
#: Regimes as in crypto_advisor.local.market: (drift per hour, volatility per hour, volume multiplier).
REGIMES = np.array(
    [
        (0.0, 0.004, 1.0),  # calm range
        (0.0012, 0.006, 1.4),  # trend up
        (-0.0012, 0.006, 1.4),  # trend down
        (0.0, 0.016, 2.5),  # volatility burst
    ]
)
#: The issues' targets; reported against, never asserted.
TARGET_MEDIAN_MS = 5.0
TARGET_IMPORT_S = 1.0
#: Issue 9: a handler's cold import at most this many times `import pandas, numpy`'s, and an update no slower.
TARGET_IMPORT_RATIO = 1.5
TARGET_UPDATE_RATIO = 1.0
#: AnalyzeFunction with its layers, unzipped (issue #5: inference must keep the analysis deployment small).
TARGET_ANALYZE_MB = 150
#: What the template sets for every function, plus the region Lambda provides.
HANDLER_ENV = global_environment(ROOT / "template.yaml") | {"AWS_DEFAULT_REGION": "us-east-1"}
#: Every function's handler under functions/, as (folder, module): IngestWorkerFunction shares ingest's folder.
HANDLERS = (
    ("ingest", "app"),
    ("ingest", "worker"),
    ("analyze", "app"),
    ("news", "app"),
    ("notify", "app"),
    ("digest", "app"),
    ("dashboard", "app"),
    ("train", "app"),
)
#: The yardstick of a cold import: the two libraries the analysis cannot do without.
YARDSTICK = "import pandas, numpy"
#: What AnalyzeFunction cannot import less than, whatever its own code does: the yardstick, boto3 (the adapters'
#: DynamoDB tables and S3), pydantic with one model defined (the contracts are models: the first one imports pydantic's
#: schema machinery, which ``from pydantic import BaseModel`` alone leaves out) and Powertools' Logger and Metrics.
#: Reported, no target.
FLOOR = (
    "import pandas, numpy, boto3; from pydantic import BaseModel; from aws_lambda_powertools import Logger, Metrics; "
    "type('Contract', (BaseModel,), {'__annotations__': {'value': int}})"
)
#: The probes that are references, not handlers, by the name the report gives them.
FLOOR_NAME = "floor: + boto3, a model, Logger+Metrics"
REFERENCES = {YARDSTICK: YARDSTICK, FLOOR_NAME: FLOOR}
IMPORT_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
start, cpu = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - start, time.process_time() - cpu)
"""


# --- the market ---------------------------------------------------------------------------


def market_arrays(n_series: int, n_candles: int, seed: int) -> dict[str, np.ndarray]:
    """``ts`` (n_candles,) and ``open high low close volume`` (n_series, n_candles), consistent OHLC."""
    rng = np.random.default_rng(seed)
    shape = (n_series, n_candles)
    # Regime switches with probability 0.02 per candle (about two days each); every series starts calm.
    switch = rng.random(shape) < 0.02
    drawn = rng.integers(len(REGIMES), size=shape)
    last_switch = np.maximum.accumulate(np.where(switch, np.arange(n_candles), -1), axis=1)
    regime = np.where(last_switch >= 0, np.take_along_axis(drawn, np.maximum(last_switch, 0), axis=1), 0)
    drift, vol, vol_mult = (REGIMES[regime, i] for i in range(3))

    ret = drift + vol * rng.standard_t(4, size=shape) / math.sqrt(2)
    first = np.exp(rng.uniform(math.log(0.01), math.log(100_000.0), size=(n_series, 1)))  # a penny to BTC
    close = first * np.exp(np.cumsum(ret, axis=1))
    open_ = np.concatenate([first, close[:, :-1]], axis=1)
    wick = np.abs(rng.normal(0.0, 1.0, size=shape)) * vol * 0.6
    high = np.maximum(open_, close) * np.exp(wick * rng.random(shape))
    low = np.minimum(open_, close) * np.exp(-wick * rng.random(shape))
    spike = np.where(rng.random(shape) < 0.01, 6.0, 1.0)
    volume = (1_000_000 / first) * vol_mult * spike * (1 + 40 * np.abs(ret)) * rng.lognormal(0.0, 0.3, size=shape)

    body_low, body_high = np.minimum(open_, close), np.maximum(open_, close)
    if not ((low <= body_low).all() and (body_high <= high).all() and (low > 0).all() and (volume > 0).all()):
        raise AssertionError("generated OHLCV is inconsistent")
    ts = EPOCH_MS + np.arange(n_candles, dtype=np.int64) * H
    return {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}


Market = dict[str, np.ndarray]


def windows(arrays: Market, count: int | None = None) -> Iterator[tuple[Series, list[Candle]]]:
    """Each series with its window as Candles, built when asked for (as the Lambda reads it from the table).

    Only one window is alive at a time, as in the Lambda: a million Candles held at once would make
    the process's RSS and the garbage collector's work the benchmark's, not the analysis'.
    """
    ts = arrays["ts"].tolist()
    for i in range(len(arrays["close"]) if count is None else count):
        columns = [arrays[name][i].tolist() for name in ("open", "high", "low", "close", "volume")]
        candles = [Candle(t, o, h, lo, c, v) for t, o, h, lo, c, v in zip(ts, *columns, strict=True)]
        yield Series("kraken", f"S{i:04d}-USD", "1h"), candles


# --- timing -------------------------------------------------------------------------------


def run_one(series: Series, window: list[Candle], rules: list[Rule]) -> Any:
    last = window[-1].ts
    # The ingest clock a few minutes after the candle closed: fresh data, so nothing is suppressed.
    return analyze(series, window, candle_ts=last, now_ms=last + series.timeframe_ms + 90_000, rules=rules)


def stats_ms(ns: list[int]) -> dict[str, float]:
    ms = np.asarray(ns, dtype=np.float64) / 1e6
    return {
        "median_ms": float(np.median(ms)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "min_ms": float(ms.min()),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, int]:
    start = time.perf_counter_ns()
    result = fn()
    return result, time.perf_counter_ns() - start


class GcPauses:
    """The garbage collector's runs and pause time while ``counting`` (gc.callbacks)."""

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.pause_ns = 0
        self.counting = False
        self._start = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if not self.counting:
            return
        if phase == "start":
            self._start = time.perf_counter_ns()
        else:
            self.pause_ns += time.perf_counter_ns() - self._start
            self.runs[info["generation"]] += 1

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def as_dict(self) -> dict[str, Any]:
        return {"collections_by_generation": self.runs, "pause_total_ms": self.pause_ns / 1e6}


def bench_analyze(arrays: Market, rules: list[Rule]) -> tuple[dict[str, Any], dict[str, Any]]:
    times: list[int] = []
    firings = suppressed = 0
    with GcPauses() as pauses:
        for series, window in windows(arrays):
            pauses.counting = True
            start = time.perf_counter_ns()
            signal = run_one(series, window, rules)
            times.append(time.perf_counter_ns() - start)
            pauses.counting = False
            firings += len(signal.firings)
            suppressed += not signal.health.healthy
    total_s = sum(times) / 1e9
    figures = {**stats_ms(times), "total_s": total_s, "series_per_s": len(times) / total_s, "gc": pauses.as_dict()}
    return figures, {"firings": firings, "unhealthy_signals": suppressed}


def bench_split(arrays: Market, rules: list[Rule]) -> dict[str, dict[str, float]]:
    to_frame_ns, compute_ns, indicators_ns, rules_ns = [], [], [], []
    for series, window in windows(arrays):
        raw, t_frame = timed(lambda window=window: to_frame(window))
        frame, t_compute = timed(lambda raw=raw: compute(raw))
        _, t_rules = timed(lambda frame=frame, series=series: evaluate_all(frame, rules, series.timeframe_ms))
        _, t_both = timed(lambda window=window: compute(to_frame(window)))
        to_frame_ns.append(t_frame)
        compute_ns.append(t_compute)
        rules_ns.append(t_rules)
        indicators_ns.append(t_both)
    return {
        "indicators": stats_ms(indicators_ns),
        "to_frame": stats_ms(to_frame_ns),
        "compute": stats_ms(compute_ns),
        "rules": stats_ms(rules_ns),
    }


def serving_model(arrays: Market) -> Artifacts:
    """A model of the default sizes, so inference costs what it costs live; fewer folds and epochs to train it fast."""
    from crypto_advisor.forecast.config import ForecastConfig
    from crypto_advisor.forecast.train import train_series  # scikit-learn, torch, arch: the dev venv only

    series, window = next(windows(arrays, 1))
    return train_series(window, ForecastConfig(folds=2, lstm_epochs=2), series=series.key)[1]


@dataclasses.dataclass(frozen=True)
class _Served:
    version: str
    artifacts: Artifacts


class _Memory:
    """One series' window, model and signal sink in memory: the update's ports without the I/O, for both paths."""

    def __init__(self, window: list[Candle], artifacts: Artifacts) -> None:
        self._window = window
        self._served = _Served("bench", artifacts)
        self.stored: Signal | None = None

    def window(self, series: Series, *, since_ts: int = 1) -> list[Candle]:
        return self._window

    def get(self, series: Series, now_ms: int | None = None) -> _Served:
        return self._served

    def put_once(self, signal: Signal) -> bool:
        self.stored = signal
        return True


def update_now(update: CandleUpdate, ports: _Memory, rules: list[Rule]) -> None:
    """The series update as AnalyzeFunction runs it (minus the I/O)."""
    analyze_update(update, candles=ports, signals=ports, rules=rules, models=ports)


def update_baseline(update: CandleUpdate, ports: _Memory, rules: list[Rule]) -> None:
    """The series update as it ran before issue 9: ``analyze`` on the window, then ``predict`` on the candles.

    ``predict`` given candles cuts the window and builds the indicator frame a second time.
    """
    series = Series.parse(update.series)
    ts = update.last_ts
    window = ports.window(series, since_ts=ts - (WINDOW_CANDLES - 1) * series.timeframe_ms)
    signal = analyze(series, window, candle_ts=ts, now_ms=update.ingested_at, rules=rules, reported_gaps=update.gaps)
    if signal.health.healthy:
        served = ports.get(series, update.ingested_at)
        upto = [c for c in window if c.ts <= ts]
        predictions = [p.as_dict() for p in predict(served.artifacts, upto)]
        signal = signal.model_copy(update={"predictions": predictions})
    ports.put_once(signal)


def bench_update(arrays: Market, rules: list[Rule], artifacts: Artifacts) -> dict[str, Any]:
    """A series update now against the baseline in the same run, on every series, then ``predict`` alone."""
    now_ns, baseline_ns, alone = [], [], []
    predicted = 0
    for i, (series, window) in enumerate(windows(arrays)):
        last = window[-1].ts
        update = CandleUpdate(series=series.key, candle_ts=[last], ingested_at=last + series.timeframe_ms + 90_000)
        own = dataclasses.replace(artifacts, series=series.key)
        now, baseline = _Memory(window, own), _Memory(window, own)
        runs = [(now_ns, update_now, now), (baseline_ns, update_baseline, baseline)]
        for times, run, ports in runs if i % 2 == 0 else runs[::-1]:
            _, t = timed(lambda run=run, ports=ports, update=update: run(update, ports, rules))
            times.append(t)
        if now.stored != baseline.stored:
            raise RuntimeError(f"{series.key}: the update now and the baseline stored different Signals")
        made, t_predict = timed(lambda window=window: predict(artifacts, window))
        alone.append(t_predict)
        predicted += bool(made)
    now_s, baseline_s = stats_ms(now_ns), stats_ms(baseline_ns)
    return {
        "update_now": now_s,
        "update_baseline": baseline_s,
        "update_ratio": now_s["median_ms"] / baseline_s["median_ms"],
        "same_signals": True,
        "predict": stats_ms(alone),
        "windows_predicted": predicted,
    }


def bench_memory(arrays: Market, rules: list[Rule]) -> dict[str, float]:
    """tracemalloc (MB): the most one analyze() call allocated above what was live before it, and the loop's peak."""
    per_update = 0
    tracemalloc.start()
    try:
        for series, window in windows(arrays):
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            run_one(series, window, rules)
            per_update = max(per_update, tracemalloc.get_traced_memory()[1] - before)
        loop_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"tracemalloc_update_peak_mb": per_update / 2**20, "tracemalloc_loop_peak_mb": loop_peak / 2**20}


def maxrss_mb() -> float:
    """The process's peak resident set size so far (Linux reports kB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# --- cold import --------------------------------------------------------------------------


def cold_imports(runs: int) -> dict[str, Any]:
    """Every handler's ``import app`` and the yardstick, each in ``runs`` fresh interpreters (seconds), in turns."""
    shared = str(ROOT / "shared")
    probes = {name: IMPORT_PROBE.format(paths=[], statement=ref) for name, ref in REFERENCES.items()}
    for function, module in HANDLERS:
        paths = [str(ROOT / "functions" / function), shared]
        probes[f"functions/{function}/{module}.py"] = IMPORT_PROBE.format(paths=paths, statement=f"import {module}")
    # A clean environment: what the template sets, the interpreter's PATH, and nothing from AWS.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env.update(HANDLER_ENV)
    env["AWS_EC2_METADATA_DISABLED"] = "true"

    def once(name: str) -> tuple[float, float, float]:
        start = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
            [sys.executable, "-c", probes[name]], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed in a fresh interpreter:\n{done.stderr}")
        seconds, cpu = done.stdout.strip().splitlines()[-1].split()
        return float(seconds), wall, float(cpu)

    for name in probes:
        once(name)  # untimed: writes any missing .pyc, warms the page cache
    measured: dict[str, list[tuple[float, float, float]]] = {name: [] for name in probes}
    for _ in range(runs):
        for name in probes:
            measured[name].append(once(name))
    figures: dict[str, Any] = {}
    for name, pairs in measured.items():
        imports = [m[0] for m in pairs]
        figures[name] = {
            "runs": runs,
            "median_s": statistics.median(imports),
            "min_s": min(imports),
            "all_s": imports,
            "process_wall_median_s": statistics.median(m[1] for m in pairs),
            "cpu_median_s": statistics.median(m[2] for m in pairs),
        }
    yardstick = figures[YARDSTICK]["median_s"]
    yardstick_cpu = figures[YARDSTICK]["cpu_median_s"]
    floor = figures[FLOOR_NAME]["median_s"]
    for f in figures.values():
        f["ratio"] = f["median_s"] / yardstick
        f["cpu_ratio"] = f["cpu_median_s"] / yardstick_cpu
        f["floor_ratio"] = f["median_s"] / floor  # the other measure issue 9 leaves to the owner (README "Cold start")
    return figures


# --- report -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    commit = None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        commit = done.stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += "-dirty"
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "pandas": __import__("pandas").__version__,
        "git_commit": commit,
    }


def print_report(result: dict[str, Any]) -> None:
    cfg, a = result["config"], result["analyze"]
    print(
        f"\nanalysis path: {cfg['series']} series x {cfg['candles']} 1h candles, seed {cfg['seed']}, "
        f"{cfg['rules']} rules, {cfg['warmup']} series warm-up excluded"
    )
    print(f"{'per series update (ms)':<42}{'median':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    split = result["split"]
    rows = {
        "analyze(): the whole update": a,
        "indicators: compute(to_frame(window))": split["indicators"],
        "  of which to_frame(window)": split["to_frame"],
        "  of which compute(frame)": split["compute"],
        "rules: evaluate_all(frame, rules)": split["rules"],
    }
    for name, s in rows.items():
        print(f"{name[:42]:<42}{s['median_ms']:>9.3f}{s['p95_ms']:>9.3f}{s['p99_ms']:>9.3f}{s['max_ms']:>9.3f}")
    if result["update"] is not None:
        u = result["update"]
        for name, s in (
            ("predict(artifacts, window)", u["predict"]),
            ("update, baseline: analyze(), predict()", u["update_baseline"]),
            ("update, now: analyze_update(), one frame", u["update_now"]),
        ):
            print(f"{name:<42}{s['median_ms']:>9.3f}{s['p95_ms']:>9.3f}{s['p99_ms']:>9.3f}{s['max_ms']:>9.3f}")
        print(
            f"series update with predictions, now / baseline (median): {u['update_ratio']:.3f}"
            f"  (same Signals stored: {'yes' if u['same_signals'] else 'NO'}; "
            f"windows with predictions: {u['windows_predicted']} of {cfg['series']})"
        )
    print(f"series per second (analyze): {a['series_per_s']:,.0f}  ({a['total_s']:.2f} s for {cfg['series']})")
    print(f"firings: {result['outcome']['firings']}, unhealthy signals: {result['outcome']['unhealthy_signals']}")
    gc_ = a["gc"]
    print(
        f"garbage collector inside the timed calls: {gc_['collections_by_generation']} runs by generation, "
        f"{gc_['pause_total_ms']:.1f} ms in all"
    )
    m = result["memory"]
    print("\nmemory (MB)")
    print(
        f"  tracemalloc, one update's peak above what was live before it (max): {m['tracemalloc_update_peak_mb']:8.2f}"
    )
    print(f"  tracemalloc, peak over the whole traced loop (incl. the window):   {m['tracemalloc_loop_peak_mb']:8.2f}")
    print(f"  ru_maxrss, whole process peak RSS at the end:                      {m['maxrss_end_mb']:8.1f}")
    print(f"  ru_maxrss after imports, before the market:                        {m['maxrss_after_imports_mb']:8.1f}")
    if result["cold_import"] is not None:
        print_cold(result["cold_import"])
    t = result["targets"]
    print(f"\ntargets: median analyze() <= {TARGET_MEDIAN_MS} ms: {_verdict(t['median_update_ok'])}")
    if "update_ratio_ok" in t:
        print(f"  series update now / baseline <= {TARGET_UPDATE_RATIO}: {_verdict(t['update_ratio_ok'])}")
    if "analyze_import_ok" in t:
        print(f"  analyze handler import <= {TARGET_IMPORT_S} s: {_verdict(t['analyze_import_ok'])}")
        for name, ok in t["import_ratio_ok"].items():
            print(f"  {name} import <= {TARGET_IMPORT_RATIO} x `{YARDSTICK}`: {_verdict(ok)}")
    m = result["machine"]
    print(f"machine: Python {m['python']}, {m['platform']}, {m['cpu_count']} CPUs, commit {m['git_commit']}")


def print_cold(cold: dict[str, Any]) -> None:
    runs = next(iter(cold.values()))["runs"]
    print(
        f"\ncold import in {runs} fresh interpreters (s){'median':>8}{'min':>9}{'process':>10}{'ratio':>8}"
        f"{'cpu':>8}{'cpu ratio':>11}{'vs floor':>10}"
    )
    for name, s in cold.items():
        print(
            f"{name:<42}{s['median_s']:>8.3f}{s['min_s']:>9.3f}{s['process_wall_median_s']:>10.3f}{s['ratio']:>8.2f}"
            f"{s['cpu_median_s']:>8.3f}{s['cpu_ratio']:>11.2f}{s['floor_ratio']:>10.2f}"
        )
    print(
        f"(ratio: the median import over `{YARDSTICK}`'s; vs floor: over the floor's, which a handler without pandas"
        f" need not reach; process: the median wall time of the whole"
        f" subprocess, interpreter start-up included; cpu: the import's median CPU time, which other processes on a"
        f" shared machine disturb less than its wall time; floor: `{FLOOR}`)"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def profile(arrays: Market, count: int, rules: list[Rule], top: int = 30) -> None:
    profiler = cProfile.Profile()
    for series, window in windows(arrays, count):
        profiler.enable()
        run_one(series, window, rules)
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--candles", type=int, default=720)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--import-runs", type=int, default=9)
    parser.add_argument("--out", type=Path, default=ROOT / ".local" / "bench" / "analysis.json")
    parser.add_argument(
        "--size-report",
        type=Path,
        default=None,
        help="the JSON `make size` writes (.aws-sam/size-report.json): each function's unzipped size joins the figures",
    )
    parser.add_argument("--profile", type=int, metavar="N", help="profile analyze() on N series instead")
    parser.add_argument("--no-predict", action="store_true", help="skip the model predictions (no training stack)")
    parser.add_argument("--no-imports", action="store_true", help="skip the cold imports")
    parser.add_argument(
        "--imports-only", action="store_true", help="only the cold imports (make bench-cold), written to --out"
    )
    args = parser.parse_args()
    if args.imports_only:
        imports_only(args.import_runs, args.out)
        return

    rss_imports = maxrss_mb()
    started = time.perf_counter()
    arrays = market_arrays(args.series, args.candles, args.seed)
    built_s = time.perf_counter() - started
    rules = build_rules(None)
    print(f"market: {args.series} x {args.candles} candles generated in {built_s:.2f} s; {len(rules)} rules")

    for series, window in windows(arrays, args.warmup):
        run_one(series, window, rules)
    if args.profile:
        profile(arrays, args.profile, rules)
        return

    figures, outcome = bench_analyze(arrays, rules)
    split = bench_split(arrays, rules)
    memory = bench_memory(arrays, rules)
    update = None if args.no_predict else bench_update(arrays, rules, serving_model(arrays))
    rss_end = maxrss_mb()
    cold = None if args.no_imports else cold_imports(args.import_runs)

    result = {
        "config": {
            "series": args.series,
            "candles": args.candles,
            "timeframe": "1h",
            "seed": args.seed,
            "warmup": args.warmup,
            "rules": len(rules),
            "market_build_s": built_s,
        },
        "analyze": figures,
        "split": split,
        "update": update,
        "outcome": outcome,
        "memory": {
            **memory,
            "tracemalloc_note": (
                "separate traced pass (tracemalloc slows the loop); update_peak: max over series of the peak"
                " allocated by one analyze() above what was live before it; loop_peak: peak of everything"
                " allocated since tracing began, the series' window of Candles included"
            ),
            "maxrss_end_mb": rss_end,
            "maxrss_after_imports_mb": rss_imports,
            "maxrss_note": "resource.getrusage(RUSAGE_SELF).ru_maxrss: peak RSS of the whole benchmark process",
        },
        "cold_import": cold,
        "targets": {
            "median_update_ms": TARGET_MEDIAN_MS,
            "median_update_ok": figures["median_ms"] <= TARGET_MEDIAN_MS,
        },
        "machine": machine(),
        "elapsed_s": time.perf_counter() - started,
    }
    targets = result["targets"]
    if update is not None:
        targets["update_ratio_max"] = TARGET_UPDATE_RATIO
        targets["update_ratio_ok"] = update["update_ratio"] <= TARGET_UPDATE_RATIO
    if cold is not None:
        targets["analyze_import_s"] = TARGET_IMPORT_S
        targets["analyze_import_ok"] = cold["functions/analyze/app.py"]["median_s"] <= TARGET_IMPORT_S
        targets.update(import_targets(cold))
    if args.size_report is not None:
        result["deployment"] = deployment_sizes(args.size_report)
        result["targets"]["analyze_deployment_mb"] = TARGET_ANALYZE_MB
        result["targets"]["analyze_deployment_ok"] = result["deployment"]["AnalyzeFunction"] <= TARGET_ANALYZE_MB
    print_report(result)
    if "deployment" in result:
        print("\ndeployment, unzipped function + layers (from `make size`; AWS's limit is 250 MB):")
        for function, mb in result["deployment"].items():
            note = f" (target <= {TARGET_ANALYZE_MB} MB)" if function == "AnalyzeFunction" else ""
            print(f"  {function:<18} {mb:7.1f} MB{note}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


def import_targets(cold: dict[str, Any]) -> dict[str, Any]:
    """Issue 9's cold-import target, handler by handler."""
    ok = {name: f["ratio"] <= TARGET_IMPORT_RATIO for name, f in cold.items() if name not in REFERENCES}
    return {"import_ratio_max": TARGET_IMPORT_RATIO, "import_ratio_ok": ok}


def imports_only(runs: int, out: Path) -> None:
    """``make bench-cold``: the cold imports alone, a minute instead of the whole benchmark's ten."""
    cold = cold_imports(runs)
    result = {
        "cold_import": cold,
        "targets": import_targets(cold),
        "machine": machine(),
    }
    print_cold(cold)
    for name, ok in result["targets"]["import_ratio_ok"].items():
        print(f"  {name} import <= {TARGET_IMPORT_RATIO} x `{YARDSTICK}`: {_verdict(ok)}")
    m = result["machine"]
    print(f"machine: Python {m['python']}, {m['platform']}, {m['cpu_count']} CPUs, commit {m['git_commit']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def deployment_sizes(path: Path) -> dict[str, float]:
    """Function -> unzipped MB of code plus layers, from the size report of the last `make size`."""
    report = json.loads(path.read_text())
    return {f["function"]: f["total_mb"] for f in report["functions"]}


if __name__ == "__main__":
    main()

"""Where a handler's cold import goes: each step timed after the ones before (``make bench-cold-steps``).

Why: ``make bench-cold`` gives a handler's whole import against ``import pandas, numpy``; issue 9 asks for at most
1.5 times it. This says which libraries and which of the project's modules make up the rest, so that the floor (what
the handler cannot import less than while it uses them) is a measured figure, not an estimate. Each run is a new
interpreter that imports the steps in order and times each with ``time.perf_counter()``; a step's time is what it adds
to everything before it (a module shared with an earlier step is counted there). Medians over ``RUNS``.

AnalyzeFunction's own import starts with pandas and numpy, so its first step is the yardstick itself.
DashboardFunction imports no pandas: its yardstick is timed in an interpreter of its own, in the same runs. Its pages
load their own modules on their first call (:mod:`crypto_advisor.dashboard.service`); those are timed after the
handler, in the order a visitor meets them (the overview, a series, an alert's email), and reported apart from the
import: what a cold container serving that page first pays on top of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from crypto_advisor.local.template_yaml import global_environment

ROOT = Path(__file__).resolve().parent.parent
#: What the template sets for every function, plus the region Lambda provides (as tools/bench_analysis.py).
HANDLER_ENV = global_environment(ROOT / "template.yaml") | {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
YARDSTICK = ("pandas, numpy (the yardstick)", "import pandas, numpy")
#: Per handler folder: the steps, in the order the handler's own imports reach them.
STEPS = {
    "analyze": [
        YARDSTICK,
        ("botocore session and client", "import botocore.session, botocore.client"),
        ("boto3", "import boto3"),
        ("pydantic", "import pydantic"),
        ("Powertools Logger, Metrics", "from aws_lambda_powertools import Logger, Metrics"),
        ("contracts/signal.py and its imports", "import crypto_advisor.contracts.signal"),
        ("contracts/watchlist.py and its imports", "import crypto_advisor.contracts.watchlist"),
        ("analysis/service.py and its imports", "import crypto_advisor.analysis.service"),
        ("wiring/analyze.py (composition root)", "import crypto_advisor.wiring.analyze"),
        ("the handler", "import app"),
    ],
    "dashboard": [
        ("botocore session and client", "import botocore.session, botocore.client"),
        ("boto3", "import boto3"),
        (
            "pydantic and its first model",
            "from pydantic import BaseModel; type('M', (BaseModel,), {'__annotations__': {'v': int}})",
        ),
        (
            "Powertools Logger, Metrics, event handler",
            "from aws_lambda_powertools import Logger, Metrics; import aws_lambda_powertools.event_handler",
        ),
        ("contracts/watchlist.py and its imports", "import crypto_advisor.contracts.watchlist"),
        ("contracts/signal.py and its imports", "import crypto_advisor.contracts.signal"),
        ("dashboard/answers.py (the API's answers)", "import crypto_advisor.dashboard.answers"),
        ("dashboard/service.py and its imports", "import crypto_advisor.dashboard.service"),
        ("wiring/dashboard.py (composition root)", "import crypto_advisor.wiring.dashboard"),
        ("the routes (api/app.py)", "import crypto_advisor.api.app"),
        ("the handler", "import app"),
    ],
}
#: Per handler folder: what a page loads on its first call, after the import (the names its code imports there).
PAGES = {
    "dashboard": [
        (
            "the overview: numpy, dashboard/overview.py",
            "import numpy; from crypto_advisor.dashboard import overview;"
            " from crypto_advisor.market.windows import pearson;"
            " from crypto_advisor.notify.context_words import context_lines",
        ),
        (
            "a series: its lines, the model store",
            "from crypto_advisor.dashboard import series_view;"
            " from crypto_advisor.notify.replay_figures import rule_records;"
            " from crypto_advisor.notify.grading import live_records;"
            " from crypto_advisor.wiring.models import model_store",
        ),
        ("an alert's email: its rendering", "from crypto_advisor.dashboard import email_view"),
    ],
}
PROBE = """
import sys, time
sys.path[:0] = {paths!r}
out = []
for statement in {statements!r}:
    start = time.perf_counter()
    exec(statement)
    out.append(time.perf_counter() - start)
print(" ".join(repr(x) for x in out))
"""


def measure(function: str, runs: int) -> list[tuple[str, float]]:
    """(name, median seconds) of the yardstick, each import step and each page's first call, in that order."""
    steps, pages = STEPS[function], PAGES.get(function, [])
    own_yardstick = steps[0] != YARDSTICK
    paths = [str(ROOT / "functions" / function), str(ROOT / "shared")]
    probes = [PROBE.format(paths=paths, statements=[s for _, s in steps + pages])]
    if own_yardstick:  # in turns with the handler's, so both see the same machine
        probes.append(PROBE.format(paths=[], statements=[YARDSTICK[1]]))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")} | HANDLER_ENV
    samples: list[list[float]] = []
    for run in range(runs + 1):
        sample: list[float] = []
        for probe in probes:
            done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
                [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"functions/{function}: a step failed in a fresh interpreter:\n{done.stderr}")
            sample += [float(x) for x in done.stdout.split()]
        if run:  # the first is untimed: it writes any missing .pyc and warms the page cache
            samples.append(sample[-1:] + sample[:-1] if own_yardstick else sample)
    names = [YARDSTICK[0]] * own_yardstick + [name for name, _ in steps + pages]
    return [(name, statistics.median(s[i] for s in samples)) for i, name in enumerate(names)]


def report(function: str, steps: list[tuple[str, float]], target: float) -> str:
    """The steps, what they add to the yardstick against what ``target`` allows, then the pages' first calls."""
    pages = len(PAGES.get(function, []))
    imports, first_calls = steps[: len(steps) - pages], steps[len(steps) - pages :]
    yardstick = imports[0][1]
    handler = sum(seconds for _, seconds in imports[1:])  # the steps after the yardstick
    lines = [f"functions/{function}/app.py: each import step after the ones before, median ms"]
    lines += [f"  {name:<42} {seconds * 1000:7.1f}" for name, seconds in imports]
    if STEPS[function][0] == YARDSTICK:  # the handler imports the yardstick first: the rest is what it adds
        lines.append(
            f"  on top of the yardstick {handler * 1000:.0f} ms; {target:g}x allows "
            f"{yardstick * (target - 1) * 1000:.0f} ms; the whole import {(yardstick + handler) / yardstick:.2f}x"
        )
    else:  # the yardstick was timed in an interpreter of its own
        lines.append(
            f"  the import {handler * 1000:.0f} ms; {target:g}x the yardstick allows "
            f"{yardstick * target * 1000:.0f} ms; the whole import {handler / yardstick:.2f}x"
        )
    if first_calls:
        lines.append("  then, not in the import, what a page loads on its first call (in this order):")
        lines += [f"  {name:<42} {seconds * 1000:7.1f}" for name, seconds in first_calls]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--function", choices=sorted(STEPS), action="append")
    parser.add_argument("--out", type=Path, default=ROOT / ".local" / "bench" / "import-steps.json")
    args = parser.parse_args()
    results = {}
    for function in args.function or sorted(STEPS):
        steps = measure(function, args.runs)
        results[function] = {name: seconds for name, seconds in steps}
        print(report(function, steps, 1.5))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": args.runs, "seconds": results}, indent=2))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

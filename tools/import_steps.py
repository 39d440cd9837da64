"""Where AnalyzeFunction's cold import goes: each step timed after the ones before (``make bench-cold-steps``).

Why: ``make bench-cold`` gives a handler's whole import against ``import pandas, numpy``; issue 9 asks for at most
1.5 times it. This says which libraries and which of the project's modules make up the rest, so that the floor (what
the handler cannot import less than while it uses them) is a measured figure, not an estimate. AnalyzeFunction's own
import starts with pandas and numpy, so its first step is the yardstick itself; DashboardFunction imports no pandas,
so its steps could not start from the yardstick the same way and are not listed. Each run is a new interpreter that
imports the steps in order and times each with ``time.perf_counter()``; a step's time is what it adds to everything
before it (a module shared with an earlier step is counted there). Medians over ``RUNS``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from crypto_advisor.local.stack import global_environment

ROOT = Path(__file__).resolve().parent.parent
#: What the template sets for every function, plus the region Lambda provides (as tools/bench_analysis.py).
HANDLER_ENV = global_environment(ROOT / "template.yaml") | {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: Per handler folder: the steps, in the order the handler's own imports reach them.
STEPS = {
    "analyze": [
        ("pandas, numpy (the yardstick)", "import pandas, numpy"),
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
    steps = STEPS[function]
    probe = PROBE.format(
        paths=[str(ROOT / "functions" / function), str(ROOT / "shared")], statements=[s for _, s in steps]
    )
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")} | HANDLER_ENV
    samples: list[list[float]] = []
    for run in range(runs + 1):
        done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
            [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"functions/{function}: a step failed in a fresh interpreter:\n{done.stderr}")
        if run:  # the first is untimed: it writes any missing .pyc and warms the page cache
            samples.append([float(x) for x in done.stdout.split()])
    return [(name, statistics.median(s[i] for s in samples)) for i, (name, _) in enumerate(steps)]


def report(function: str, steps: list[tuple[str, float]], target: float) -> str:
    yardstick = steps[0][1]
    rest = sum(seconds for _, seconds in steps[1:])
    lines = [f"functions/{function}/app.py: each import step after the ones before, median ms"]
    lines += [f"  {name:<42} {seconds * 1000:7.1f}" for name, seconds in steps]
    lines.append(
        f"  on top of the yardstick {rest * 1000:.0f} ms; {target:g}x allows {yardstick * (target - 1) * 1000:.0f} ms; "
        f"the whole import {(yardstick + rest) / yardstick:.2f}x"
    )
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

#!/usr/bin/env python3
"""Time a series update as the code is now against the code at another revision, in one run, taking turns.

Usage: ``.venv/bin/python tools/bench_against.py REV [--rounds 3] [--series 200] [--out .local/bench/against.json]``
(``make bench-against REV=...``).

"No slower than before" needs the before and the after on the same machine at the
same time: a figure from another day or machine says nothing. This checks out
``REV`` into a temporary git worktree and runs each tree's own
``tools/bench_analysis.py`` (which knows how to call its own code) on the same
seeded market, in turns (now, before, now, before, ...), so a busy machine slows both
alike. Each run reports the median series update (``analyze_update`` with
predictions: what AnalyzeFunction does per Kinesis record). The ratio is the
median over rounds of each round's now/before ratio: the two runs of a round
share the machine's load, so their ratio is the paired comparison, while the
medians of each side alone mix rounds of different load. The worktree is
removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603, S607
    return done.stdout.strip()


def _run(tree: Path, series: int, out: Path) -> dict[str, Any]:
    """One ``bench_analysis.py`` run of ``tree``'s code; its JSON report."""
    env_path = f"{tree / 'shared'}"
    command = [
        sys.executable,
        str(tree / "tools" / "bench_analysis.py"),
        "--series",
        str(series),
        "--no-imports",
        "--out",
        str(out),
    ]
    subprocess.run(  # noqa: S603 - our own interpreter on a checkout of our own repository
        command, cwd=tree, check=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, capture_output=True
    )
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the revision to compare with, e.g. a commit before a change")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / ".local" / "bench" / "against.json")
    args = parser.parse_args(argv)
    commit = _git("rev-parse", args.rev)
    medians: dict[str, list[float]] = {"now": [], "before": []}
    with tempfile.TemporaryDirectory(prefix="bench-against-") as scratch:
        before = Path(scratch) / "before"
        _git("worktree", "add", "--detach", str(before), commit)
        try:
            for round_ in range(args.rounds):
                for name, tree in (("now", ROOT), ("before", before)):
                    report = _run(tree, args.series, Path(scratch) / f"{name}-{round_}.json")
                    median = float(report["update"]["update_now"]["median_ms"])
                    medians[name].append(median)
                    print(f"round {round_ + 1}: {name:<6} series update median {median:.2f} ms", flush=True)
        finally:
            _git("worktree", "remove", "--force", str(before))
    now, then = statistics.median(medians["now"]), statistics.median(medians["before"])
    ratio = statistics.median(a / b for a, b in zip(medians["now"], medians["before"], strict=True))
    result = {
        "before_rev": commit,
        "now_rev": _git("rev-parse", "HEAD") + (" + uncommitted changes" if _git("status", "--porcelain") else ""),
        "series": args.series,
        "rounds": args.rounds,
        "update_median_ms": {"now": now, "before": then, "all": medians},
        "ratio": ratio,
    }
    print(
        f"series update: median {now:.2f} ms now vs {then:.2f} ms at {commit[:8]}; "
        f"median of the rounds' ratios {ratio:.2f}x"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

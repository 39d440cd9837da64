"""The daily refit, fanned out when the watchlist is too large for one 15-minute invocation.

The scheduled run plans: a watchlist of at most ``inline_series`` series is
trained in that invocation, as long as its time covers them (the series it would
not cover are handed to the queue as below); a larger one is cut into tasks of
``series_per_task`` series, put on the training queue, and the queue's event
source mapping runs them with at most its ``MaximumConcurrency`` invocations at
once (AWS's own machinery: no scheduler or worker pool of ours). Each task
trains its series exactly as the inline run does (:func:`run_training`) and
writes its part of the run's report; the task that finds every part written
writes the run's report: what was trained, skipped (too little history, no
candles) and failed, with the reasons. A redelivered task rewrites its part and
the same model versions (named by the run's time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crypto_advisor.analysis.rules import Rule
from crypto_advisor.contracts.training_task import TrainingTask
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.forecast.config import ForecastConfig
from crypto_advisor.training.ports import Ports, RunReports, TaskQueue
from crypto_advisor.training.service import TrainingReport, run_training

SKIPPED = ("too_little_history", "no_candles")


def plan_tasks(watched: Iterable[WatchedSeries], *, run_ms: int, series_per_task: int) -> list[TrainingTask]:
    """The run's tasks: the watched series in order, ``series_per_task`` to a task."""
    if series_per_task < 1:
        raise ValueError(f"series_per_task must be at least 1, got {series_per_task}")
    keys = [w.series.key for w in watched]
    chunks = [keys[i : i + series_per_task] for i in range(0, len(keys), series_per_task)]
    return [TrainingTask(run_ms, i, len(chunks), tuple(chunk)) for i, chunk in enumerate(chunks)]


def plan_run(
    watched: Sequence[WatchedSeries], *, run_ms: int, series_per_task: int, queue: TaskQueue, reports: RunReports
) -> dict[str, Any]:
    """Write the run's plan, then enqueue its tasks (in that order: a task's report needs the plan's size).

    ``watched`` is the whole watchlist when the scheduled run plans instead of training, or the series an inline run's
    time did not cover (:attr:`~crypto_advisor.training.service.TrainingReport.deferred`): the run's report
    (``reports/train/<run time>/report.json``) then covers those, and the inline part is in the run's own log.
    """
    tasks = plan_tasks(watched, run_ms=run_ms, series_per_task=series_per_task)
    plan = {"run_ms": run_ms, "chunks": len(tasks), "series": [list(t.series) for t in tasks]}
    reports.put_plan(run_ms, plan)
    queue.send(tasks)
    return {"run_ms": run_ms, "mode": "fanned_out", "series": len(watched), "tasks": len(tasks)}


def hand_on(
    report: TrainingReport,
    watchlist: Iterable[WatchedSeries],
    *,
    series_per_task: int,
    queue: TaskQueue,
    reports: RunReports,
) -> dict[str, Any] | None:
    """Put the series an inline run deferred (:attr:`TrainingReport.deferred`) on the queue as a plan of their own;
    None when none was deferred, or when the run already has a plan: the same scheduled event delivered again
    (EventBridge delivers at least once), whose first delivery handed its series on, and a second plan under the same
    run would train them twice."""
    deferred = set(report.deferred)
    if not deferred or reports.plan(report.now_ms) is not None:
        return None
    handed = [w for w in watchlist if w.series.key in deferred]
    return plan_run(handed, run_ms=report.now_ms, series_per_task=series_per_task, queue=queue, reports=reports)


@dataclass(frozen=True)
class TaskOutcome:
    task: TrainingTask
    report: TrainingReport
    #: watched when the run was planned, not any more: not trained
    no_longer_watched: list[str]
    #: the run's report, when this task's part completed it
    report_key: str | None


def work_task(
    task: TrainingTask,
    watchlist: Watchlist,
    *,
    config: ForecastConfig | None,
    rules: Sequence[Rule],
    ports: Ports,
    reports: RunReports,
) -> TaskOutcome:
    """Train the task's series, write its part, and the run's report when this part completes it (``config``: as
    :func:`~crypto_advisor.training.service.run_training` takes it; None: each series' timeframe's defaults)."""
    watched = [w for w in watchlist if w.series.key in task.series]
    gone = sorted(set(task.series) - {w.series.key for w in watched})
    report = run_training(watched, now_ms=task.run_ms, config=config, rules=rules, ports=ports)
    part = {"chunk": task.chunk, "series": [s.as_dict() for s in report.series], "no_longer_watched": gone}
    reports.put_part(task.run_ms, task.chunk, part)
    key = None
    # Every task lists the parts (one request); only the one that completes the set reads them.
    if reports.part_count(task.run_ms) == task.chunks:
        key = reports.put_report(task.run_ms, run_report(task.run_ms, reports.parts(task.run_ms)))
    return TaskOutcome(task=task, report=report, no_longer_watched=gone, report_key=key)


def run_report(run_ms: int, parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report of a fanned-out run: every series trained, skipped or failed, and why."""
    items = [s for p in sorted(parts, key=lambda p: p["chunk"]) for s in p["series"]]
    return {
        "run_ms": run_ms,
        "chunks": len(parts),
        "trained": [s["series"] for s in items if s["status"] == "trained"],
        "skipped": [
            {"series": s["series"], "status": s["status"], "reason": s["error"]}
            for s in items
            if s["status"] in SKIPPED
        ],
        "failed": [
            {"series": s["series"], "error": s["error"], "kind": s["error_kind"]}
            for s in items
            if s["status"] == "failed"
        ],
        "no_longer_watched": sorted(k for p in parts for k in p.get("no_longer_watched", [])),
        "series": items,
    }

"""Fixtures shared by every test layer."""

from __future__ import annotations

import copy
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The watchlist ``make demo`` runs, and so the e2e and browser tests' one demo a session.
WATCHLIST = REPO / "config" / "demo-watchlist.yaml"

# What template.yaml's Globals give every function, set before any test module is collected: Powertools' Metrics
# reads its namespace when a telemetry module is first imported, and a test that imports one at collection (the
# alarm tests do) would otherwise leave the handlers the in-process runtime invokes later without a namespace.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "crypto-advisor")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CryptoAdvisor")


#: The tests that share the demo's run (``demo_run`` below; the browser tests reach it through their conftest).
DEMO_TESTS = ("tests/browser/", "tests/e2e/")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """How ``make test`` spreads the suite over every core (pytest-xdist, ``-n``): a test file goes whole to one
    worker, so its module fixtures (a trained model, a stack's run) are made once; and every test of the demo's run
    goes to one worker, so the run (a minute or more, a session fixture each worker would make again) is made once,
    as on one core. xdist's own ``--dist loadgroup`` would say it with markers, but it renames the test ids, which
    pytest 9 no longer lets a plugin do."""
    from xdist.scheduler import LoadScopeScheduling

    class DemoRunTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "the demo's run" if path.startswith(DEMO_TESTS) else path

    return DemoRunTogether(config, log)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@dataclass(frozen=True)
class DemoRun:
    """The demo's pipeline, run once a session for the e2e and browser tests (it takes minutes).

    ``summary`` and ``out`` are the run as it ended, captured before any test touches its stack: the browser tests
    add users and mute rules on ``runtime``'s stack, which stays up until the session ends, and the dashboard they
    use runs functions that append to the logs.
    """

    #: what :func:`crypto_advisor.local.demo.run` returns, copied as the run ended
    summary: dict[str, Any]
    #: a copy of the run's folder as it ended: the outbox, the functions' logs, the saved state
    out: Path
    #: the runtime over the run's stack, up until the session ends
    runtime: Any


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The demo's pipeline (the same ticks, market and news as ``make demo``), run once in a thread that holds its
    embedded AWS up for the session; :class:`DemoRun` says what is captured when."""
    from crypto_advisor.local import demo

    ready, done = threading.Event(), threading.Event()
    captured: dict[str, Any] = {}
    ran, as_ran = tmp_path_factory.mktemp("demo"), tmp_path_factory.mktemp("demo-as-run")

    def summarized(summary: dict[str, Any]) -> None:
        captured["summary"] = copy.deepcopy(summary)
        shutil.copytree(ran, as_ran, dirs_exist_ok=True)

    def keep(runtime: Any) -> None:
        captured["runtime"] = runtime
        ready.set()
        done.wait()

    def pipeline() -> None:
        try:
            demo.run(ran, WATCHLIST, keep=keep, summarized=summarized)
        except Exception as error:  # noqa: BLE001  # any failure of the pipeline: the test thread reports it
            captured["error"] = error
            ready.set()

    thread = threading.Thread(target=pipeline, name="demo-pipeline", daemon=True)
    thread.start()
    # the pipeline takes a few minutes on a quiet machine; a busy CI runner may need many more
    ready.wait(timeout=3600)
    if "error" in captured:
        raise captured["error"]
    if "runtime" not in captured:
        pytest.fail("the demo's pipeline did not finish within an hour")
    yield DemoRun(captured["summary"], as_ran, captured["runtime"])
    done.set()
    thread.join(timeout=60)

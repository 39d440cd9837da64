"""``make demo``'s last steps, as its command line composes them: the pictures, then the dashboard served until Ctrl-C.

The pipeline and the serving are replaced here (the pipeline takes minutes; serving is tested for real in
``tests/integration/test_demo_state.py``, where the same ``serve_until_stopped`` runs in a subprocess and is stopped
with SIGINT): what is checked is that ``make demo`` serves by default, on 8765, only after the pictures, keeps the
state for ``make dashboard`` when stopped, and that ``--no-serve`` (``NO_SERVE=1``, what CI may use) ends instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from crypto_advisor.local import demo


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    done: list[tuple[str, Any]] = []
    runtime = type("Runtime", (), {"stack": "the demo's stack"})()
    monkeypatch.setattr(demo, "run", lambda out, watchlist, keep: keep(runtime))
    monkeypatch.setattr(demo, "look_at_dashboard", lambda out: lambda rt: done.append(("pictures", out)))

    def serve(rt: Any, *, port: int, sources: Any, on_stop: Any) -> None:
        done.append(("served", port))
        on_stop()  # Ctrl-C

    monkeypatch.setattr(demo, "serve_until_stopped", serve)
    monkeypatch.setattr(demo, "save_again", lambda stack, folder: done.append(("saved", (stack, folder))))
    return done


def test_make_demo_ends_serving_the_dashboard_on_8765_after_the_pictures(steps, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["demo", "--out", str(tmp_path)])
    demo.main()
    assert [name for name, _ in steps] == ["pictures", "served", "saved"]
    assert steps[1] == ("served", 8765)
    assert steps[2] == ("saved", ("the demo's stack", tmp_path / "state"))
    assert steps[0][1] == Path(demo.REPO) / ".local" / "screenshots"


def test_no_serve_ends_after_the_pictures(steps, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["demo", "--out", str(tmp_path), "--no-serve"])
    demo.main()
    assert [name for name, _ in steps] == ["pictures"]

"""``make bench-cold-steps`` keeps working as modules move: every step of a handler's import still imports, and
the report adds the steps up against the allowance (no timed asserts)."""

from __future__ import annotations

import importlib.util

from tests.conftest import REPO


def load_tool():
    spec = importlib.util.spec_from_file_location("import_steps", REPO / "tools" / "import_steps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_step_imports_in_a_fresh_interpreter_and_the_report_adds_them_up():
    tool = load_tool()
    steps = tool.measure("analyze", runs=1)
    assert [name for name, _ in steps] == [name for name, _ in tool.STEPS["analyze"]]
    assert all(seconds >= 0 for _, seconds in steps)
    text = tool.report("analyze", [(name, 0.1) for name, _ in steps], 1.5)
    assert "on top of the yardstick 900 ms; 1.5x allows 50 ms; the whole import 10.00x" in text


def test_the_dashboard_is_measured_against_its_own_yardstick_and_its_pages_first_calls_apart():
    # DashboardFunction imports no pandas: its yardstick is timed in an interpreter of its own, and what its pages
    # load on their first call is listed after the import, not in it
    tool = load_tool()
    steps = tool.measure("dashboard", runs=1)
    expected = [tool.YARDSTICK[0]] + [name for name, _ in tool.STEPS["dashboard"] + tool.PAGES["dashboard"]]
    assert [name for name, _ in steps] == expected
    assert all(seconds >= 0 for _, seconds in steps)
    text = tool.report("dashboard", [(name, 0.01) for name, _ in steps], 1.5)
    imported = len(tool.STEPS["dashboard"])
    assert f"the import {imported * 10} ms; 1.5x the yardstick allows 15 ms; the whole import {imported:.2f}x" in text
    first_calls = text.split("what a page loads on its first call (in this order):")[1]
    assert [line.strip().rsplit(None, 1)[0] for line in first_calls.strip().splitlines()] == [
        n for n, _ in tool.PAGES["dashboard"]
    ]

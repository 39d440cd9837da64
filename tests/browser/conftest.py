"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the local stack's dashboard.

The session's one run of the demo's pipeline (the same ticks, market and news
as ``make demo``; ``demo_run`` in tests/conftest.py, shared with tests/e2e) has
its dashboard served on a free port, as ``make demo`` ends by serving it;
every test opens its own browser context (its own sessionStorage, so its own
sign-in) at a viewport and colour scheme. Each context records every request
the page makes and every CSP violation it reports, so a test can say that
nothing left localhost and nothing was refused.
Run the group alone with ``make test-browser`` (``pytest -m browser``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.local import screenshots
from tests.conftest import REPO, WATCHLIST, DemoRun

SCREENSHOTS = REPO / ".local" / "screenshots"
STATIC = REPO / "functions" / "dashboard" / "static" / "index.html"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


#: A second user, created as the stack creates DashboardUsers: with a temporary password Cognito would email.
NEW_USER = "newcomer@example.com"
TEMPORARY_PASSWORD = "Temporary-Pass-1a"


@dataclass
class Served:
    url: str
    user: str
    password: str
    #: every series key of the demo's watchlist, read from the file itself
    keys: set[str]
    #: the alert decisions NotifyFunction recorded, as the demo prints them
    alerts: list[dict[str, Any]]


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    if screenshots.chromium_path() is None:
        pytest.fail("no chromium for the browser tests: apt-get install chromium (.ci/run does)")
    if not STATIC.exists():
        pytest.fail(f"the web app is not built ({STATIC} missing): run make web (.ci/run does)")
    with screenshots.chromium() as browser:
        yield browser


def create_new_user(runtime: Any) -> None:
    runtime.stack.aws.client("cognito-idp").admin_create_user(
        UserPoolId=runtime.stack.outputs["DashboardUserPoolId"],
        Username=NEW_USER,
        TemporaryPassword=TEMPORARY_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": NEW_USER}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )


@pytest.fixture(scope="session")
def dashboard(request: pytest.FixtureRequest) -> Iterator[Served]:
    """The demo's state behind the local dashboard, up for the whole session.

    The demo's pipeline is the session's one run (``demo_run``, tests/conftest.py, which the e2e test reads
    too); its dashboard is served here, and the second user created, after the run's summary was captured.
    ``DASHBOARD_SERVED=file.json`` (url, user, password, alerts) reuses a dashboard already running over the
    demo's state instead, which saves the pipeline's minutes while writing a test.
    """
    from crypto_advisor.local.dashboard import start_dashboard

    keys = {watched.series.key for watched in load_watchlist(WATCHLIST.as_uri())}
    if os.environ.get("DASHBOARD_SERVED"):
        running = json.loads(Path(os.environ["DASHBOARD_SERVED"]).read_text())
        yield Served(running["url"], running["user"], running["password"], keys, running["alerts"])
        return
    demo: DemoRun = request.getfixturevalue("demo_run")
    served = start_dashboard(demo.runtime, port=0)
    try:
        create_new_user(demo.runtime)
        # the alert decisions as the run ended (the demo's summary reads them as it prints them)
        yield Served(served.url, served.user, served.password, keys, copy.deepcopy(demo.summary["alerts"]))
    finally:
        served.stop()


@dataclass
class Watched:
    """A page with what it asked for and what the CSP refused."""

    page: Any
    requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e => console.error(
  'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
"""


def open_watched(browser: Any, viewport: str, scheme: str) -> Watched:
    context = browser.new_context(viewport=screenshots.VIEWPORTS[viewport], color_scheme=scheme)
    # generous: the local API answers in well under a second on a quiet machine, much slower on a loaded CI runner
    context.set_default_timeout(180_000)
    page = context.new_page()
    watched = Watched(page)
    page.add_init_script(_REPORT_VIOLATIONS)
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))

    def console(message: Any) -> None:
        if message.text.startswith("CSP violation"):
            watched.violations.append(message.text)

    page.on("console", console)
    return watched


@pytest.fixture
def browse(chromium_browser: Any) -> Iterator[Any]:
    """``browse(viewport, scheme)``: a fresh, watched page (closed after the test)."""
    opened: list[Watched] = []

    def make(viewport: str = "desktop", scheme: str = "light") -> Watched:
        watched = open_watched(chromium_browser, viewport, scheme)
        opened.append(watched)
        return watched

    yield make
    for watched in opened:
        watched.page.context.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

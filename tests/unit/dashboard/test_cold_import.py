"""A cold DashboardFunction loads what every route needs, and each page's own modules on that page's first call.

Issue 9's cold import: the web app's files, sign-in, the settings, the alerts list and an email's mute link are answered
without numpy (the overview's correlation, the series page's lines and model cards) and without the notifier's email
rendering (an alert's email). ``make bench-cold`` times the import; this says what it holds, which a later import at
module level would silently undo. Fresh interpreters, so nothing the test session imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

#: Loaded by one route each, on its first call.
PER_ROUTE = (
    "numpy",
    "crypto_advisor.dashboard.overview",
    "crypto_advisor.dashboard.series_view",
    "crypto_advisor.dashboard.email_view",
    "crypto_advisor.forecast.artifacts",
    "crypto_advisor.notify.render",
    "crypto_advisor.notify.replay_figures",
    "crypto_advisor.ingest.ports",
)
PROBE = """
import json, sys
sys.path[:0] = {paths!r}
{statement}
print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))
"""


def loaded_after(statement: str) -> list[str]:
    paths = [str(REPO / "functions" / "dashboard"), str(REPO / "shared")]
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
        [sys.executable, "-c", PROBE.format(paths=paths, statement=statement, watched=PER_ROUTE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "crypto-advisor", "PATH": ""},
    )
    return json.loads(done.stdout)


def test_the_handler_imports_none_of_the_pages_own_modules():
    assert loaded_after("import app") == []


def test_each_page_loads_its_modules_when_it_is_first_asked_for():
    # The names the routes import on first use exist (a typo would only show on a page's first call), and the probe
    # sees them once loaded
    statement = (
        "import app\n"
        "from crypto_advisor.dashboard import overview, series_view, email_view\n"
        "from crypto_advisor.wiring.models import model_store\n"
        "from crypto_advisor.notify.replay_figures import rule_records\n"
        "from crypto_advisor.notify.grading import live_records\n"
        "from crypto_advisor.notify.context_words import context_lines\n"
        "from crypto_advisor.ingest.ports import MarketSource"
    )
    assert set(loaded_after(statement)) == set(PER_ROUTE)

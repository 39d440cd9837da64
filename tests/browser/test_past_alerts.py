"""The series page says how the series' past alerts fared, under the alert email's own title and in its words.

Against the demo: its training run judged the emails the live policy would have sent on each series with an archive
(the replay report's ``email_record``); LUNA/USD has no candle, so no replay and no such section. The page is checked
against the API's own answer for the same series, which the unit tests check against the email's sentence.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from crypto_advisor.notify.text import PAST_ALERTS_TITLE
from tests.browser.conftest import Served, Watched, shot
from tests.browser.test_pages import _sign_in
from tests.browser.test_series_health import LUNA, api


def _panel_titles(page: Any) -> list[str]:
    return page.locator("main section.panel > h2").all_inner_texts()


def _open(page: Any, served: Served, key: str) -> None:
    page.goto(f"{served.url}/#/series/{quote(key, safe='')}")
    page.wait_for_selector("main section.panel >> text=The rules' records")


def test_the_series_page_says_how_past_alerts_fared_above_the_rules_records(dashboard: Served, browse: Any) -> None:
    # Given the demo's series whose replay judged its emails (the API quotes the email's sentence)
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    quoted = {
        key: said
        for key in sorted(dashboard.keys)
        if (said := api(page, f"/series/{quote(key, safe='')}")["past_alerts"])
    }
    assert quoted, "the demo's training run writes an email record with outcomes for the series it replays"
    key, said = next(iter(quoted.items()))
    # When its page opens
    _open(page, dashboard, key)
    # Then the email's section is there, under the email's title, right above the rules' records
    titles = _panel_titles(page)
    assert titles.index(PAST_ALERTS_TITLE) + 1 == titles.index("The rules' records")
    # ... saying exactly what the API (and so the email) says, as text
    shown = page.locator("main section.panel", has=page.locator("h2", has_text=PAST_ALERTS_TITLE)).locator("p")
    assert shown.inner_text() == said
    assert shown.evaluate("p => p.children.length") == 0
    assert watched.violations == [] and watched.errors == []
    shot(page, "series-past-alerts-desktop-light")
    # Given a series with no replay (LUNA/USD: no candle was ever stored)
    assert api(page, f"/series/{quote(LUNA, safe='')}")["past_alerts"] is None
    # When its page opens, Then it has no such section
    _open(page, dashboard, LUNA)
    assert PAST_ALERTS_TITLE not in _panel_titles(page)

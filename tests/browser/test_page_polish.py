"""Small things the pages said twice, asked for twice or spelled as raw keys, against the demo's dashboard.

A stale series says so once, with its candle; the Alerts page asks only for its list (its answer names the filters'
choices); an email's page names a market scan as the Alerts list does; Settings names whom a series' alerts go to when
its own ``alerts.recipients`` override the top level's.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from crypto_advisor.contracts.alerts import market_log_key
from tests.browser.conftest import Served, Watched, shot
from tests.browser.test_pages import _sign_in
from tests.browser.test_series_health import _row, api, candle_time


def _api_paths(watched: Watched) -> list[str]:
    return [urlsplit(url).path for url in watched.requests if "/api/v1/" in url]


def test_a_stale_series_says_it_once_with_the_candle_it_stopped_at(dashboard: Served, browse: Any) -> None:
    # Given the demo's overview, whose series' feeds stopped on 2026-11-04
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    rows = {r["key"]: r for r in api(page, "/overview")["series"]}
    stale = [key for key, r in rows.items() if r["stale"]]
    assert stale, "the demo's candles end on 2026-11-04: its series are stale"
    for key in stale:
        cell = _row(page, key).locator("td[data-label='Series']")
        # Then its row says "stale" once, in the line that names the candle since which none came, and no badge
        assert cell.inner_text().count("stale") == 1, cell.inner_text()
        expect(cell.locator(".stale")).to_have_text(f"stale: no candle since {candle_time(rows[key]['last_ts'], key)}")
        assert cell.locator(".badge").count() == 0
    assert watched.errors == []
    shot(page, "overview-stale-once-desktop-light")


def test_the_alerts_page_asks_only_for_its_list_and_still_offers_every_filter(dashboard: Served, browse: Any) -> None:
    # Given a signed-in user on the overview
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    page.wait_for_selector(".series-table")
    watched.requests.clear()
    # When they open the Alerts page
    page.goto(f"{dashboard.url}/#/alerts")
    page.wait_for_selector("#alert-list[data-query=''] .alerts-table")
    # Then the page made one API request, for its list (no GET /settings)
    assert _api_paths(watched) == ["/api/v1/alerts"]
    # ... and its Series filter still offers every watched series, the market emails and the market scan
    offered = set(page.eval_on_selector_all("#filter-series option", "options => options.map(o => o.value)"))
    assert dashboard.keys | {market_log_key("1h"), market_log_key("4h"), "scan#USD"} <= offered
    rules = set(page.eval_on_selector_all("#filter-rule option", "options => options.map(o => o.value)"))
    assert {"obv_divergence", "condition:XRP fell 3% in an hour"} <= rules
    assert watched.errors == []


def test_a_market_scan_emails_page_names_the_scan_as_the_alerts_list_does(dashboard: Served, browse: Any) -> None:
    # Given a market scan's sent email (the demo's scan sends none: its answer is the archived email's shape)
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    candle = 1_793_790_000_000  # 2026-11-04 11:00 UTC, an hourly candle's open
    email = {
        "id": f"scan:USD@{candle}",
        "source": "archived",
        "status": "sent",
        "subject": "Market scan: SOL breaks out",
        "html": "<p>SOL/USD 1h closed at 2026-11-04 12:00 UTC</p>",
        "text": "SOL/USD 1h closed at 2026-11-04 12:00 UTC",
        "note": "the message as it was handed to SES",
    }
    page.route(
        re.compile(rf".*/api/v1/alerts/scan:USD@{candle}/email$"),
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(email)),
    )
    # When the user opens it
    page.goto(f"{dashboard.url}/#/alerts/scan:USD@{candle}")
    page.wait_for_selector("#email-subject")
    # Then its page names the scan as the Alerts list names it, never by its raw key
    line = page.locator(".view p.muted.small").first.inner_text()
    assert "scan (USD) · candle 2026-11-04 11:00–12:00 UTC" in line, line
    assert "scan:USD" not in page.inner_text("main")
    assert watched.errors == []


def test_settings_name_whom_a_series_alerts_go_to_when_it_names_its_own(dashboard: Served, browse: Any) -> None:
    # Given the demo's Settings answer, where no series names recipients of its own (each follows the stack's)
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    answer = api(page, "/settings")
    assert {(s["recipients"], tuple(s["effective_recipients"])) for s in answer["series"]} == {
        (None, tuple(answer["alerts"]["effective_recipients"]))
    }
    # ... and the same answer with ETH/USD's alerts going to a desk of its own (a series is added only after its
    # exchange is asked whether it lists it, which this offline test cannot: the API's side is a unit test's)
    key = "kraken:ETH-USD:1h"

    def own_recipients(route: Any) -> None:
        settings = route.fetch().json()
        for entry in settings["series"]:
            if entry["key"] == key:
                entry.update(recipients=["desk@example.com"], effective_recipients=["desk@example.com"])
        route.fulfill(status=200, content_type="application/json", body=json.dumps(settings))

    page.route(re.compile(r".*/api/v1/settings$"), own_recipients)
    # When the user opens Settings
    page.goto(f"{dashboard.url}/#/settings")
    page.wait_for_selector("#mute-form")
    # Then the page says that series' alerts go to its own recipients, and names no other series there
    own = page.locator("#series-recipients li")
    expect(own).to_have_count(1)
    expect(own).to_have_attribute("data-key", key)
    expect(own).to_have_text("ETH/USD 1h · kraken: desk@example.com (its own alerts.recipients)")
    assert watched.errors == []
    shot(page, "settings-series-recipients-desktop-light")

"""Whether a series' data can be trusted, and what became of its firings, as the pages show it against the demo.

The demo's market ends on 2026-11-04, so every series with candles is stale when the test runs: its newest candle
closed days before the answer. ETH/USD's newest signal found a gap; LUNA/USD has no candle (every ingest fails:
the simulated exchange does not list it); BTC/USD's firings were emailed, or held back by a cooldown or the market
email. Each page is checked against the API's own answer for the same series and candles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from crypto_advisor.contracts.decisions import EMAILED
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.units import MINUTE_MS
from tests.browser.conftest import Served, Watched, shot
from tests.browser.test_pages import _emailed, _sign_in

ETH = "kraken:ETH-USD:1h"
LUNA = "kraken:LUNA-USD:1h"
#: The API's read with the page's own token (the tab's session).
_GET = """
path => fetch('/api/v1' + path, {headers: {Authorization: 'Bearer ' +
  JSON.parse(sessionStorage.getItem('crypto-advisor.session')).accessToken}}).then(r => r.json())
"""


def candle_time(open_ms: int, key: str) -> str:
    """A candle as the emails and the dashboard name it: its open and close, "2026-11-04 12:00–13:00 UTC"."""
    opened = datetime.fromtimestamp(open_ms / 1000, UTC)
    closed = datetime.fromtimestamp((open_ms + Series.parse(key).timeframe_ms) / 1000, UTC)
    if opened.date() == closed.date():
        return f"{opened:%Y-%m-%d %H:%M}–{closed:%H:%M} UTC"
    return f"{opened:%Y-%m-%d %H:%M} – {closed:%m-%d %H:%M} UTC"


def is_stale(last_ts: int, key: str, now_ms: int) -> bool:
    """The newest candle closed more than 2 timeframes (and a quarter of an hour) before the answer."""
    tf = Series.parse(key).timeframe_ms
    return now_ms - (last_ts + tf) > max(2 * tf, 15 * MINUTE_MS)


def api(page: Any, path: str) -> Any:
    return page.evaluate(_GET, path)


def decisions_of(page: Any, key: str) -> dict[int, dict[str, Any]]:
    """Every alert decision of ``key`` the alerts API lists, by candle."""
    found: dict[int, dict[str, Any]] = {}
    query: dict[str, str] = {"series": key, "limit": "200"}
    while True:
        answer = api(page, f"/alerts?{urlencode(query)}")
        found.update({a["candle_ts"]: a for a in answer["alerts"]})
        if not answer["cursor"]:
            return found
        query["cursor"] = answer["cursor"]


def _row(page: Any, key: str) -> Any:
    return page.locator("tr", has=page.locator(f"a[data-key='{key}']"))


def test_the_overview_says_which_series_are_stale_or_unhealthy_and_why(dashboard: Served, browse: Any) -> None:
    # Given the demo's overview, whose candles end days before now
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    overview = api(page, "/overview")
    rows = {r["key"]: r for r in overview["series"]}
    # Then every series with candles names its newest candle by its open and close, as the emails do
    now = overview["generated_at"]
    stale = [k for k, r in rows.items() if r["last_ts"] is not None and is_stale(r["last_ts"], k, now)]
    assert stale, "the demo's candles end on 2026-11-04: its series are stale"
    for key, r in rows.items():
        if r["last_ts"] is None:
            continue
        candle = candle_time(r["last_ts"], key)
        assert _row(page, key).locator(".last-candle").inner_text() == candle
        # ... and a series whose feed stopped says so, and counts as unhealthy
        if key in stale:
            assert _row(page, key).locator(".stale").inner_text() == f"stale: no candle since {candle}"
            assert r["stale"] is True and r["healthy"] is False
    # ... the newest signal's reasons are shown (ETH's gap), in the analysis' words
    assert rows[ETH]["health_reasons"], "the demo's ETH/USD outage leaves a gap in its newest signal's window"
    reasons = _row(page, ETH).locator(".health-reasons")
    for reason in rows[ETH]["health_reasons"]:
        assert reason in reasons.inner_text() and reason in (reasons.get_attribute("title") or "")
    # ... and its models, which the analysis does not ask on bad data, are said withheld, not missing
    if not rows[ETH]["verdicts"]:
        assert "withheld: data unhealthy" in _row(page, ETH).inner_text()
        assert "no model yet" not in _row(page, ETH).inner_text()
    # ... and the series without a candle says where to look
    assert _row(page, LUNA).locator(".no-candles").inner_text() == "no candles stored yet"
    assert "check the ingest logs" in _row(page, LUNA).inner_text()
    assert watched.errors == []
    shot(page, "overview-health-desktop-light")


def test_the_series_page_warns_of_a_stopped_feed_and_bad_data_and_an_empty_series_draws_no_chart(
    dashboard: Served, browse: Any
) -> None:
    # Given ETH/USD's page, whose feed stopped after a gap
    watched: Watched = browse("phone", "light")
    page = _sign_in(watched, dashboard)
    page.goto(f"{dashboard.url}/#/series/{quote(ETH, safe='')}")
    page.wait_for_selector("#chart[data-markers]")
    detail = api(page, f"/series/{quote(ETH, safe='')}")
    last = detail["candles"][-1]["ts"]
    candle = candle_time(last, ETH)
    # Then it names its last close's candle, warns that no candle came since, and says why the data is unhealthy
    assert f"(candle {candle})" in page.inner_text("main")
    assert detail["health"]["stale"] is True
    assert page.inner_text(".stale") == f"stale: no candle since {candle}"
    assert detail["health"]["reasons"]
    for reason in detail["health"]["reasons"]:
        assert reason in page.inner_text(".health-reasons")
    # When the series without any candle is opened
    page.goto(f"{dashboard.url}/#/series/{quote(LUNA, safe='')}")
    page.wait_for_selector(".no-candles")
    # Then one line says no candle is stored and where to look, instead of a blank chart
    assert page.inner_text(".no-candles") == "No candles stored yet: check the ingest logs."
    assert page.locator("#chart").count() == 0
    assert watched.errors == []


def test_each_firing_says_what_the_alert_log_decided_for_its_candle(dashboard: Served, browse: Any) -> None:
    # Given a series the demo emailed about, and held other firings of back
    key = _emailed(dashboard)["series"]
    watched: Watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    page.goto(f"{dashboard.url}/#/series/{quote(key, safe='')}")
    page.wait_for_selector("#chart[data-markers]")
    decided = decisions_of(page, key)
    # When the rules-fired table is read (its folded rows too)
    shown = page.eval_on_selector_all(
        ".outcome",
        """els => els.map(e => ({ts: Number(e.dataset.ts), rule: e.dataset.rule, label: e.textContent,
                                 candle: e.closest('tr').querySelector('td').textContent}))""",
    )
    assert shown
    # Then each firing's label is its candle's decision in the alert log: emailed, or held back and why
    for firing in shown:
        decision = decided.get(firing["ts"])
        assert firing["candle"] == candle_time(firing["ts"], key)
        label = firing["label"]
        if label == "suppressed: bad data":
            continue  # the analysis' verdict on the data, before any decision (checked by the unit tests)
        assert decision is not None, firing
        if label == "emailed":
            assert decision["status"] == "sent" and firing["rule"] in decision["rules"], (firing, decision)
        elif label == "held back: not in its candle's email":
            assert decision["status"] in EMAILED and firing["rule"] not in decision["rules"], (firing, decision)
        else:
            assert decision["status"] == "suppressed", (firing, decision)
            assert label == f"held back: {decision['reason']}", (firing, decision)
    labels = {f["label"] for f in shown}
    assert "emailed" in labels and any(label.startswith("held back: ") for label in labels), labels
    # ... and the chart's legend says what a grey arrow means (bad data), not that every other one was kept
    assert "grey: suppressed for bad data" in page.inner_text(".legend")
    assert watched.errors == []


def test_the_correlation_matrix_shows_full_values_and_distinct_headers_on_a_phone(
    dashboard: Served, browse: Any
) -> None:
    # Given the overview on a phone
    watched: Watched = browse("phone", "light")
    page = _sign_in(watched, dashboard)
    matrix = page.locator("section", has=page.locator("h2", has_text="Correlation"))
    # When the matrix is measured
    measured = matrix.evaluate(
        """section => {
          const box = section.querySelector('.heat-scroll');
          const cells = [...section.querySelectorAll('.heat-cell, .heat-head, .heat-label')];
          return {
            clipped: cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent),
            heads: [...section.querySelectorAll('.heat-head')].map(h => h.textContent).filter(Boolean),
            values: [...section.querySelectorAll('.heat-cell')].map(c => c.textContent),
            box: box ? [box.clientWidth, box.scrollWidth, getComputedStyle(box).overflowX] : null,
            page: document.scrollingElement.scrollWidth,
          };
        }"""
    )
    overview = api(page, "/overview")
    # Then no cell, header or label is cut: every value reads in full, the API's to two decimals
    assert measured["clipped"] == []
    given = [v for row in overview["correlation"]["matrix"] for v in row]
    assert len(measured["values"]) == len(given)
    for text, value in zip(measured["values"], given, strict=True):
        if value is None:
            assert text == "–"
        else:
            assert abs(float(text) - value) <= 0.005, (text, value)
    # ... each column's header is told apart from the others (ETH/USD's 1h and 4h series)
    assert len(measured["heads"]) == len(overview["correlation"]["keys"])
    assert len(set(measured["heads"])) == len(measured["heads"]), measured["heads"]
    # ... and the matrix scrolls inside its own box, never the page
    assert measured["box"] is not None
    width, scrolled, overflow = measured["box"]
    assert scrolled > width and overflow == "auto"
    assert measured["page"] <= 390
    assert watched.errors == []
    shot(page, "overview-correlation-phone-light")

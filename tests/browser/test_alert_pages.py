"""The Alerts list and an email's page in Chromium against the demo's dashboard: what they say of a candle, where their
links lead, which filters they offer, and whether their colours can be read (WCAG AA, 4.5:1 for text)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlencode

from crypto_advisor.api.read_routes import SERIES_KEY
from crypto_advisor.contracts.alerts import market_log_key
from crypto_advisor.local import screenshots
from tests.browser.conftest import Served, Watched, shot
from tests.browser.test_pages import _emailed, _sign_in

#: What an email says of its candle: "... candle that closed at 2026-11-04 08:00 UTC".
_CLOSED_AT = re.compile(r"closed at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")
_TIMEFRAME = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}

#: The newest market email sent (null if none), read from the unfiltered alerts list as the page reads it: the API
#: with the signed-in tab's token.
_NEWEST_MARKET_EMAIL = """
async () => {
  const token = JSON.parse(sessionStorage.getItem('crypto-advisor.session')).accessToken;
  let cursor = null;
  do {
    const query = new URLSearchParams({limit: '200', ...(cursor ? {cursor} : {})});
    const page = await (await fetch('/api/v1/alerts?' + query, {headers: {Authorization: 'Bearer ' + token}})).json();
    const market = page.alerts.find((a) => a.kind === 'market' && a.status === 'sent');
    if (market) return market;
    cursor = page.cursor;
  } while (cursor);
  return null;
}
"""

#: An element's computed text colour and the first opaque background behind it, as [r, g, b].
_COLOURS = """
(el) => {
  const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
  let behind = null;
  for (let e = el; e && !behind; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] === 1) behind = c.slice(0, 3);
  }
  return {fg: rgb(getComputedStyle(el).color).slice(0, 3), bg: behind ?? [255, 255, 255]};
}
"""

#: Where the overview shows text: on a panel, and on the page's own background.
_BACKGROUNDS = (".panel", "main")
#: A price change going up, as the overview's table shows one, put in ``where`` (a CSS selector).
_UP_PROBE = """
(where) => {
  const probe = document.createElement('span');
  probe.className = 'change up';
  probe.dataset.where = where;
  probe.textContent = '+1.0%';
  document.querySelector(where).append(probe);
}
"""


def _luminance(rgb: list[float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(colours: dict[str, list[float]]) -> float:
    lighter, darker = sorted((_luminance(colours["fg"]), _luminance(colours["bg"])), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _candle_span(open_ms: int, timeframe: str) -> str:
    """The span the dashboard shows for a candle (format.ts ``candleTime``), from its open time and timeframe."""
    opened = datetime.fromtimestamp(open_ms / 1000, tz=UTC)
    closed = opened + int(timeframe[:-1]) * _TIMEFRAME[timeframe[-1]]
    if opened.date() == closed.date():
        return f"{opened:%Y-%m-%d %H:%M}–{closed:%H:%M} UTC"
    return f"{opened:%Y-%m-%d %H:%M} – {closed:%m-%d %H:%M} UTC"


def _close_of(span: str) -> str:
    """The close time a span names, as an email writes it (``2026-11-04 08:00``)."""
    match = re.fullmatch(r"(\d{4})-(\d{2}-\d{2}) \d{2}:\d{2} ?– ?(?:(\d{2}-\d{2}) )?(\d{2}:\d{2}) UTC", span)
    assert match, f"{span!r} is no candle span (open–close UTC)"
    year, open_day, close_day, close_time = match.groups()
    return f"{year}-{close_day or open_day} {close_time}"


def _email_close(page: Any) -> str:
    """The close time the opened email names (its HTML body, inside the shadow root)."""
    page.wait_for_selector("#email-html .email-body")
    found = _CLOSED_AT.search(page.locator("#email-html .email-body").inner_text())
    assert found, "the email names the candle's close"
    return found.group(1)


def _open_alerts(watched: Watched, served: Served, query: dict[str, str] | None = None) -> Any:
    page = _sign_in(watched, served)
    page.goto(f"{served.url}/#/alerts{'?' + urlencode(query) if query else ''}")
    page.wait_for_selector(f"#alert-list[data-query='{urlencode(query or {})}'] .alerts-table")
    return page


def test_the_alerts_list_shows_a_candle_as_the_span_whose_close_its_email_names(dashboard: Served, browse: Any) -> None:
    # Given the decisions of a series the demo emailed about
    emailed = _emailed(dashboard)
    watched = browse("desktop", "light")
    page = _open_alerts(watched, dashboard, {"series": emailed["series"]})
    # When the user reads a sent alert's candle in the list, then opens its email
    row = page.locator(".alerts-table tr", has=page.locator(".badge.sent")).first
    listed = row.locator("td[data-label='Candle']").inner_text()
    alert_id = row.locator("a.open-email").get_attribute("href").removeprefix("#/alerts/")
    row.locator("a.open-email").click()
    # Then the list named the candle by its open and its close, and the close is the one the email names
    key, _, ts = unquote(alert_id).rpartition("@")
    assert listed == _candle_span(int(ts), key.rsplit(":", 1)[-1])
    assert _close_of(listed) == _email_close(page)
    # ... and so does the email page's own line about it
    assert f"candle {listed} ·" in page.locator(".view p.muted.small").first.inner_text()
    assert watched.errors == []


def test_the_market_emails_back_link_lists_the_market_emails_decisions(dashboard: Served, browse: Any) -> None:
    # Given a market email the demo sent (listed under market#1h)
    watched = browse("phone", "light")
    page = _sign_in(watched, dashboard)
    market = page.evaluate(_NEWEST_MARKET_EMAIL)
    assert market is not None and market["series"] == market_log_key("1h"), "the demo sends a market email"
    # When the user opens it: its page names the candle by the span whose close the email names
    page.goto(f"{dashboard.url}/#/alerts/{quote(market['id'], safe='')}")
    span = _candle_span(market["candle_ts"], "1h")
    assert _close_of(span) == _email_close(page)
    assert f"candle {span} ·" in page.locator(".view p.muted.small").first.inner_text()
    # When they follow "alerts of this series"
    page.locator("a", has_text="alerts of this series").click()
    page.wait_for_selector(".view p.error, #alert-list")
    # Then the list loads, filtered to the market email's decisions, with this email among them and its candle span
    assert page.locator(".view p.error").count() == 0, page.locator(".view p.error").inner_text()
    assert page.get_attribute("#alert-list", "data-query") == urlencode({"series": market["series"]})
    assert page.locator("#filter-series option:checked").inner_text() == "market (1h)"
    assert set(page.locator(".alerts-table td[data-label='Series']").all_inner_texts()) == {"market (1h)"}
    link = page.locator(f"a.open-email[href='#/alerts/{quote(market['id'], safe='')}']")
    assert link.count() == 1
    row = page.locator(".alerts-table tr", has=link)
    assert row.locator("td[data-label='Candle']").inner_text() == span
    assert watched.errors == []
    shot(page, "alerts-market-back-link-phone-light")


def test_only_a_decision_that_sent_an_email_links_to_it_the_others_say_why_not(dashboard: Served, browse: Any) -> None:
    # Given the decisions of a series the demo both emailed about and held back
    emailed = _emailed(dashboard)
    watched = browse("desktop", "light")
    page = _open_alerts(watched, dashboard, {"series": emailed["series"]})
    # When the user reads the list's Email column
    rows = page.locator(".alerts-table tbody tr")
    seen = set()
    for i in range(rows.count()):
        row = rows.nth(i)
        status = row.locator(".badge").inner_text()
        reason = row.locator("td[data-label='Reason'] .reason").evaluate("el => el.firstChild?.textContent ?? ''")
        email = row.locator("td[data-label='Email']")
        seen.add(status)
        # Then a sent (or possibly sent) decision links its email, a suppressed one names why there is none
        if status in ("sent", "sending", "unknown"):
            assert email.locator("a.open-email").count() == 1, status
        else:
            assert email.locator("a").count() == 0, (status, reason)
            assert email.inner_text() == f"no email: {reason or status}"
    assert {"sent", "suppressed"} <= seen, "the demo emails this series and holds some of its alerts back"
    assert watched.errors == []


def test_the_filters_offer_every_watched_series_its_market_emails_and_rules_only(
    dashboard: Served, browse: Any
) -> None:
    # Given the demo's watchlist (a series without candles, so without decisions, among it; 1h and 4h series)
    watched = browse("desktop", "light")
    page = _open_alerts(watched, dashboard)
    # When the user opens the Series and Rule filters
    series = set(page.eval_on_selector_all("#filter-series option", "options => options.map(o => o.value)"))
    rules = [v for v in page.eval_on_selector_all("#filter-rule option", "options => options.map(o => o.value)") if v]
    # Then the Series filter offers every watched series, whatever page of decisions is loaded, and the market emails
    assert dashboard.keys <= series
    assert {market_log_key("1h"), market_log_key("4h")} <= series
    # ... and the Rule filter offers rule ids, no coin a market email covered
    assert "obv_divergence" in rules and "condition:XRP fell 3% in an hour" in rules
    assert not [r for r in rules if re.fullmatch(SERIES_KEY, r)]
    assert watched.errors == []


def test_the_up_colour_and_the_dark_primary_button_pass_wcag_aa(dashboard: Served, browse: Any) -> None:
    for scheme in ("light", "dark"):
        # Given the dashboard in either colour scheme
        page = browse("desktop", scheme).page
        # When a primary button is shown (the sign-in form's)
        page.goto(f"{dashboard.url}/#/sign-in")
        colours = page.locator("#sign-in-form button[type=submit]").evaluate(_COLOURS)
        # Then its label is 4.5:1 or more against the button (white on dark mode's light blue was 2.5:1)
        assert _contrast(colours) >= 4.5, (scheme, colours, _contrast(colours))
        # When a price change going up is shown on a panel and on the page's background
        screenshots.sign_in(page, dashboard.url, dashboard.user, dashboard.password)
        for where in _BACKGROUNDS:
            page.evaluate(_UP_PROBE, where)
            colours = page.locator(f".change.up[data-where='{where}']").evaluate(_COLOURS)
            # Then its text is 4.5:1 or more against what is behind it (the light theme's green was 3.3:1 on white)
            assert _contrast(colours) >= 4.5, (scheme, where, colours, _contrast(colours))

"""The dashboard's pages in Chromium against the demo's local dashboard: what a user does and sees."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from crypto_advisor.local import screenshots
from tests.browser.conftest import NEW_USER, TEMPORARY_PASSWORD, Served, Watched, shot

#: Counts a canvas' pixels of the page's up and down colours (the candles' bodies), across the chart's canvases.
_CANDLE_PIXELS = """
(box) => {
  const css = getComputedStyle(document.documentElement);
  const rgb = (name) => {
    const probe = document.createElement('span');
    probe.style.color = css.getPropertyValue(name);
    document.body.append(probe);
    const value = getComputedStyle(probe).color.match(/\\d+/g).map(Number);
    probe.remove();
    return value;
  };
  const up = rgb('--up'), down = rgb('--down');
  const near = (d, i, c) => Math.abs(d[i] - c[0]) < 6 && Math.abs(d[i + 1] - c[1]) < 6 && Math.abs(d[i + 2] - c[2]) < 6;
  let ups = 0, downs = 0;
  for (const canvas of box.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (near(data, i, up)) ups++;
      else if (near(data, i, down)) downs++;
    }
  }
  return {ups, downs};
}
"""


def _sign_in(watched: Watched, served: Served) -> Any:
    page = watched.page
    screenshots.sign_in(page, served.url, served.user, served.password)
    return page


def _emailed(served: Served) -> dict[str, Any]:
    """An alert of the demo that was emailed (the demo sends some: its e2e test says so)."""
    return next(a for a in served.alerts if a["status"] == "sent")


def _local_only(watched: Watched, served: Served) -> None:
    origin = urlsplit(served.url)
    for url in watched.requests:
        parts = urlsplit(url)
        assert parts.scheme == "data" or (parts.hostname, parts.port) == (origin.hostname, origin.port), url


def test_signing_in_shows_the_overview_with_every_demo_series(dashboard: Served, browse: Any) -> None:
    # Given the demo's dashboard and a browser without a session
    watched = browse("desktop", "light")
    # When the user opens the dashboard, is sent to sign in, and signs in
    watched.page.goto(dashboard.url)
    watched.page.wait_for_selector("#sign-in-form")
    page = _sign_in(watched, dashboard)
    # Then the overview lists every series of the demo's watchlist, the pair the exchange does not list without candles
    keys = set(page.eval_on_selector_all(".series-link", "links => links.map(a => a.dataset.key)"))
    assert keys == dashboard.keys
    luna = page.locator("tr", has=page.locator("a[data-key='kraken:LUNA-USD:1h']"))
    assert luna.locator(".no-candles").inner_text() == "no candles stored yet"
    # ... with the heatmaps and the correlation matrix drawn from the same series
    assert page.locator(".heat-cell").count() > len(keys)
    assert watched.violations == [] and watched.errors == []


def test_the_first_sign_in_sets_a_new_password(dashboard: Served, browse: Any) -> None:
    # Given a user Cognito gave a temporary password (as the stack's DashboardUsers get by email)
    page = browse("phone", "dark").page
    page.goto(f"{dashboard.url}/#/sign-in")
    page.fill("#sign-in-form input[name=email]", NEW_USER)
    page.fill("#sign-in-form input[name=password]", TEMPORARY_PASSWORD)
    page.click("#sign-in-form button[type=submit]")
    # When Cognito asks for a new password and the user gives one (mistyped once)
    page.wait_for_selector("#new-password-form")
    page.fill("input[name=new-password]", "Chosen-Password-2b")
    page.fill("input[name=confirm-password]", "Chosen-Password-2c")
    page.click("#new-password-form button[type=submit]")
    expect(page.locator("#new-password-form .error")).to_have_text("The two passwords differ.")
    page.fill("input[name=confirm-password]", "Chosen-Password-2b")
    page.click("#new-password-form button[type=submit]")
    # Then they are signed in and see the overview
    page.wait_for_selector(".series-table")


def test_the_series_chart_draws_candles_and_markers(dashboard: Served, browse: Any) -> None:
    # Given a series the demo emailed about
    key = _emailed(dashboard)["series"]
    watched = browse("desktop", "dark")
    page = _sign_in(watched, dashboard)
    # When its page opens
    page.goto(f"{dashboard.url}/#/series/{quote(key, safe='')}")
    chart = page.wait_for_selector("#chart[data-markers] canvas") and page.locator("#chart")
    # Then the chart holds the candles and the markers of the rules that fired and the emails that went
    assert int(chart.get_attribute("data-candles") or 0) > 100
    assert int(chart.get_attribute("data-markers") or 0) > 0
    assert "emails on the chart" in page.inner_text("main")
    # ... its model cards give their sample as the outcomes that share no candle, not only the overlapping rows
    sample = r"Out of sample: [\d,]+ candles \([\d,]+ non-overlapping 24-candle periods\)"
    assert re.search(sample, page.inner_text("main"))
    # ... and its canvases are not blank: rising and falling candles are painted in the theme's colours
    pixels = chart.evaluate(_CANDLE_PIXELS)
    assert pixels["ups"] > 200 and pixels["downs"] > 200, pixels
    assert watched.violations == [] and watched.errors == []
    shot(page, "series-chart-desktop-dark")


def test_alerts_filter_by_series_and_reason_and_open_the_email(dashboard: Served, browse: Any) -> None:
    # Given the alert decisions of the demo
    emailed = _emailed(dashboard)
    watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    page.goto(f"{dashboard.url}/#/alerts")
    page.wait_for_selector(".alerts-table")
    # When the user filters by the emailed alert's series
    page.select_option("#filter-series", emailed["series"])
    series_query = urlencode({"series": emailed["series"]})
    page.wait_for_selector(f"#alert-list[data-query='{series_query}'] .alerts-table")
    # Then every listed decision is of that series
    label = page.locator("#filter-series option:checked").inner_text()
    series_cells = page.locator(".alerts-table td[data-label='Series']").all_inner_texts()
    assert series_cells and set(series_cells) == {label}
    # When they filter by a reason too
    reasons = [r for r in page.locator("#filter-reason option").all_inner_texts() if r != "all"]
    assert reasons, "the demo suppresses some alerts of this series, with their reasons"
    page.select_option("#filter-reason", reasons[0])
    both = urlencode({"series": emailed["series"], "reason": reasons[0]})
    page.wait_for_selector(f"#alert-list[data-query='{both}']")
    listed = page.locator(".alerts-table td[data-label='Reason'] .reason").all_inner_texts()
    assert listed and all(t.startswith(reasons[0]) for t in listed)
    page.select_option("#filter-reason", "")
    page.wait_for_selector(f"#alert-list[data-query='{series_query}'] .alerts-table")
    # When they open a sent alert's email
    row = page.locator(".alerts-table tr", has=page.locator(".badge.sent")).first
    subject = row.locator("a.open-email").inner_text()
    row.locator("a.open-email").click()
    # Then the email shows as it was sent: its subject, its HTML body (the chart inlined), and its text part
    page.wait_for_selector("#email-html")
    assert page.inner_text("#email-subject") == subject
    body = page.locator("#email-html .email-body")  # inside the email's shadow root (Playwright's CSS pierces it)
    assert len(body.inner_text()) > 200
    assert body.locator("img[src^='data:']").count() >= 1
    page.click("text=Show the text part")
    assert len(page.inner_text("#email-text")) > 200
    assert watched.violations == [] and watched.errors == []
    _local_only(watched, dashboard)
    shot(page, "email-desktop-light")


def test_signing_out_forgets_the_session_and_revokes_its_refresh_token(dashboard: Served, browse: Any) -> None:
    # Given a signed-in tab
    watched = browse("desktop", "light")
    page = _sign_in(watched, dashboard)
    page.wait_for_selector("#sign-out")
    refresh = page.evaluate("JSON.parse(sessionStorage.getItem('crypto-advisor.session')).refreshToken")
    assert refresh
    # When the user signs out
    page.click("#sign-out")
    # Then the page asks to sign in, keeps no session, and the refresh token no longer gives tokens anywhere
    page.wait_for_selector("#sign-in-form")
    assert page.evaluate("sessionStorage.getItem('crypto-advisor.session')") is None
    status = page.evaluate(
        """token => fetch('/api/v1/auth/refresh', {method: 'POST', headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({refresh_token: token})}).then(r => r.status)""",
        refresh,
    )
    assert status == 401
    assert watched.violations == []


def test_a_token_the_api_refuses_sends_the_user_back_to_sign_in(dashboard: Served, browse: Any) -> None:
    # Given a tab whose stored token was altered
    page = browse("desktop", "light").page
    page.goto(f"{dashboard.url}/#/sign-in")
    page.evaluate(
        """() => sessionStorage.setItem('crypto-advisor.session', JSON.stringify(
             {email: 'x@example.com', accessToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl', refreshToken: null,
              expiresAt: Date.now() + 3600000}))"""
    )
    # When it opens the overview
    page.goto(f"{dashboard.url}/#/overview")
    # Then the API answers 401 and the page asks to sign in again, keeping no session
    page.wait_for_selector("#sign-in-form")
    assert page.evaluate("sessionStorage.getItem('crypto-advisor.session')") is None


def test_the_page_comes_with_a_strict_content_security_policy(dashboard: Served, browse: Any) -> None:
    page = browse().page
    response = page.goto(dashboard.url)
    policy = response.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


@pytest.mark.parametrize(("viewport", "scheme"), [(v, s) for v in screenshots.VIEWPORTS for s in screenshots.SCHEMES])
def test_every_page_fits_the_screen_and_stays_on_localhost(
    dashboard: Served, browse: Any, viewport: str, scheme: str
) -> None:
    # Given a user signed in on a phone or a desktop, in light or dark
    watched = browse(viewport, scheme)
    page = _sign_in(watched, dashboard)
    emailed = _emailed(dashboard)
    width = screenshots.VIEWPORTS[viewport]["width"]
    # When they open every page
    for each in screenshots.pages(emailed["series"], f"{emailed['series']}@{emailed['ts']}"):
        if each.name != "overview":  # signing in has just shown it
            screenshots.open_page(page, dashboard.url, each.route, each.ready)
        # Then nothing scrolls sideways
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{each.name} is {overflow} px wide at {width} px"
        shot(page, f"{each.name}-{viewport}-{scheme}")
    # ... the theme is the one asked for
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark")
    # ... no request left localhost, the CSP refused nothing and no script failed
    _local_only(watched, dashboard)
    assert watched.violations == [] and watched.errors == []


def test_a_mute_set_in_settings_is_listed_and_recorded_in_the_history(dashboard: Served, browse: Any) -> None:
    # Given the signed-in user on the Settings page
    watched = browse("phone", "light")
    page = _sign_in(watched, dashboard)
    page.goto(f"{dashboard.url}/#/settings")
    page.wait_for_selector("#mute-form")
    # When they mute RSI oversold on BTC/USD 1h for 24 hours
    page.select_option("#mute-series", "kraken:BTC-USD:1h")
    page.select_option("#mute-rule", "rsi_oversold")
    page.select_option("#mute-duration", label="24 hours")
    page.click("#mute-form button[type=submit]")
    # Then the page, read again from the server, lists the mute, made from the dashboard
    row = page.locator(".mutes-table tr", has_text="rsi_oversold")
    expect(row).to_contain_text("BTC/USD 1h")
    expect(row).to_contain_text("(dashboard)")
    # ... and the history of changes records it
    history = page.locator(".history-table tr", has_text="rsi_oversold")
    expect(history.first).to_contain_text("mute")
    assert watched.violations == [] and watched.errors == []
    shot(page, "settings-muted-phone-light")

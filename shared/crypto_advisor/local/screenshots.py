"""Headless screenshots of the dashboard's pages, phone and desktop, light and dark, in Debian's Chromium.

``make demo`` calls :func:`take_screenshots` once the dashboard is up, so a
newcomer sees every page without opening a browser; the browser tests
(``tests/browser``) drive the same pages with their own assertions and save
theirs in the same folder. Playwright's own browser download cannot work
offline, so this drives the system's ``chromium`` (``apt-get install
chromium``; ``CHROMIUM=/path`` to point elsewhere) and says so when it is absent.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from crypto_advisor.local.dashboard import start_dashboard
from crypto_advisor.local.runtime import LocalRuntime

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

#: Viewports the pages are built for: an iPhone 12-15's CSS width, and a laptop.
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
SCHEMES = ("light", "dark")


def chromium_path() -> Path | None:
    """The Chromium to drive: ``$CHROMIUM``, else ``chromium`` on the PATH; None when there is none."""
    named = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(named) if named and Path(named).exists() else None


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on exit. Raises FileNotFoundError naming what to install when there is none."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise FileNotFoundError("no chromium: apt-get install chromium (or set CHROMIUM=/path/to/chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path))
        try:
            yield browser
        finally:
            browser.close()


#: Every wait, in ms: the local API answers in well under a second on a quiet machine, far slower on a loaded one.
TIMEOUT_MS = 180_000


def sign_in(page: Page, url: str, user: str, password: str) -> None:
    """Sign in through the page's own form and wait for the overview's table."""
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/#/sign-in")
    page.fill("#sign-in-form input[name=email]", user)
    page.fill("#sign-in-form input[name=password]", password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector(".series-table")


def open_page(page: Page, url: str, route: str, ready: str) -> None:
    """Go to a hash route and wait until its content (``ready``, a CSS selector) is drawn."""
    page.goto(f"{url}/#/{route}")
    page.wait_for_selector(ready)


@dataclass(frozen=True)
class Shot:
    name: str
    route: str
    ready: str


def pages(series_key: str, alert_id: str | None) -> list[Shot]:
    """Every page worth a picture: the overview, a series with its chart, the alerts, an email, the settings."""
    shots = [
        Shot("overview", "overview", ".series-table"),
        Shot("series", f"series/{quote(series_key, safe='')}", "#chart[data-markers] canvas"),
        Shot("alerts", "alerts", "#alert-list"),
        # the page, or its error when the settings routes cannot answer: a page to look at either way
        Shot("settings", "settings", ".view[data-page='settings'] h1, .view[data-page='settings'] p.error"),
    ]
    if alert_id:
        shots.insert(3, Shot("email", f"alerts/{quote(alert_id, safe='')}", "#email-html"))
    return shots


def first_render_ms(url: str, user: str, password: str, *, loads: int = 5) -> list[float]:
    """How long the overview takes to show its table, from navigation start, on ``loads`` fresh page loads.

    Signed in once; each load is a new document (the bundle from the browser's
    cache as a returning user has it, the overview's data fetched anew), timed
    by the page's own clock (``performance.now()`` counts from navigation start).
    """
    timings: list[float] = []
    with chromium() as browser:
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
        page = context.new_page()
        sign_in(page, url, user, password)
        for _ in range(loads):
            page.goto("about:blank")
            page.goto(f"{url}/#/overview")
            # polled on every animation frame: the first frame that has the table, on the page's clock
            drawn = page.wait_for_function("() => document.querySelector('.series-table') && performance.now()")
            timings.append(float(drawn.json_value()))
        context.close()
    return timings


def page_heights(url: str, user: str, password: str, *, series_key: str) -> dict[str, dict[str, int]]:
    """The overview's and a series page's full height and width in CSS pixels at each viewport (how far a reader
    scrolls; a width over the viewport's means the page scrolls sideways)."""
    heights: dict[str, dict[str, int]] = {}
    with chromium() as browser:
        for viewport, size in VIEWPORTS.items():
            context = browser.new_context(viewport=size)
            page = context.new_page()
            sign_in(page, url, user, password)
            for shot in pages(series_key, None)[:2]:
                open_page(page, url, shot.route, shot.ready)
                height, width = page.evaluate(
                    "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
                )
                heights[f"{shot.name}-{viewport}"] = {"height": int(height), "width": int(width)}
            context.close()
    return heights


def take_screenshots(
    url: str, user: str, password: str, out: Path, *, series_key: str, alert_id: str | None = None
) -> list[Path]:
    """Sign in at each viewport and colour scheme and save every page as ``<page>-<viewport>-<scheme>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with chromium() as browser:
        for viewport, size in VIEWPORTS.items():
            for scheme in SCHEMES:
                context = browser.new_context(viewport=size, color_scheme=scheme)  # type: ignore[arg-type]  # str, not the Literal
                page = context.new_page()
                sign_in(page, url, user, password)
                for shot in pages(series_key, alert_id):
                    if shot.name != "overview":  # signing in has just shown it
                        open_page(page, url, shot.route, shot.ready)
                    path = out / f"{shot.name}-{viewport}-{scheme}.png"
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(path)
                context.close()
    return saved


def demo_pictures(url: str, user: str, password: str, out: Path) -> list[str]:
    """``make demo``'s look at the dashboard: every page saved as a picture, and the overview's first render timed.

    The series and the email shown are those of the overview's first "last
    alert" (a series the demo emailed about, so its chart has markers).
    """
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORTS["desktop"])
        sign_in(page, url, user, password)
        link = page.get_attribute("a.last-alert", "href") if page.locator("a.last-alert").count() else None
        page.close()
    alert_id = unquote(link.removeprefix("#/alerts/")) if link else None
    key = alert_id.split("@")[0] if alert_id else "kraken:BTC-USD:1h"
    paths = take_screenshots(url, user, password, out, series_key=key, alert_id=alert_id)
    timings = sorted(first_render_ms(url, user, password))
    return [
        f"dashboard screenshots: {len(paths)} (every page, phone and desktop, light and dark) in {out}:",
        *(f"  {path}" for path in paths),
        f"overview first render (headless Chromium, {len(timings)} loads): median {timings[len(timings) // 2]:.0f} ms,"
        f" slowest {timings[-1]:.0f} ms",
    ]


def look_at_dashboard(out: Path) -> Callable[[LocalRuntime], None]:
    """The demo's last step (its ``keep``): serve the dashboard on a free port, picture every page, stop.

    Without chromium, or without the web app's bundle (``make web``; ``make demo`` builds it), the step is
    skipped with a line saying what is missing.
    """

    def look(runtime: LocalRuntime) -> None:
        if chromium_path() is None:
            print("\ndashboard screenshots: skipped (no chromium; apt-get install chromium to get them)")
            return
        bundle = runtime.repo_root / "functions" / "dashboard" / "static" / "index.html"
        if not bundle.exists():
            print(f"\ndashboard screenshots: skipped (no web app at {bundle}; `make web` builds it)")
            return
        dashboard = start_dashboard(runtime, port=0)
        try:
            print("\n" + "\n".join(demo_pictures(dashboard.url, dashboard.user, dashboard.password, out)), flush=True)
        finally:
            dashboard.stop()

    return look

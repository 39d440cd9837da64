"""The plain-text part of the digest: the same :class:`~crypto_advisor.digest.content.DigestContent` as the HTML.

It says everything the HTML says except the chart, which it points to.
Nothing is escaped (plain text has no markup) and every outside string is
already one line; lines are not hard-wrapped, phones wrap to their own width.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from crypto_advisor.digest.content import DigestContent, ForecastLine, HeldFiring, SeriesRow
from crypto_advisor.digest.scan_section import ScanSection
from crypto_advisor.notify.links import DigestLinks

HELD_TITLE = "Held back: the day's firings without an alert, rarest first"
LINKS_TITLE = "Your emails"
DASHBOARD_LABEL = "Open the dashboard"
#: One unsubscribe stops both: the alerts and the digest go to the same list of recipients.
UNSUBSCRIBE_LABEL = "Unsubscribe from the alerts and this digest"


def text_document(
    content: DigestContent,
    *,
    has_chart: bool,
    links: DigestLinks | None = None,
    pages: Sequence[str | None] = (),
) -> str:
    """The whole plain-text part, ending with a newline; ``pages`` are the rows' series pages, in order."""
    blocks = [f"{content.title}\n{content.intro}"]
    forecasts = [_forecast(line) for line in content.forecasts]
    if content.no_forecast:
        forecasts.append(content.no_forecast)
    blocks.append(_section("Volatility forecast", "\n\n".join(forecasts)))
    blocks.append(_section("Markets", "\n\n".join(_row(row, page) for row, page in zip_longest(content.rows, pages))))
    blocks.extend(scan_text(section) for section in content.scans)
    if has_chart:
        blocks.append("The chart (the last 7 days of every series) is in the HTML version of this email.")
    held = [_held(i, item) for i, item in enumerate(content.held, start=1)]
    if content.held_more:
        held.append(f"... and {content.held_more} more.")
    blocks.append(_section(HELD_TITLE, "\n\n".join(held) or "None: every firing on healthy data made an alert."))
    sent = [f"- {line.when}: {line.subject}" for line in content.sent]
    blocks.append(_section("Alerts sent", "\n".join(sent) or "None."))
    if links is not None:
        blocks.append(
            _section(LINKS_TITLE, f"{DASHBOARD_LABEL}: {links.dashboard}\n{UNSUBSCRIBE_LABEL}: {links.unsubscribe}")
        )
    blocks.append(f"-- \n{content.footer}")
    return "\n\n".join(blocks) + "\n"


def scan_text(section: ScanSection) -> str:
    """One market scan's section as plain text (also what ``make demo`` prints)."""
    parts = [section.intro]
    if section.risers:
        parts.append("Top risers:\n" + "\n".join(f"- {line}" for line in section.risers))
    if section.fallers:
        parts.append("Top fallers:\n" + "\n".join(f"- {line}" for line in section.fallers))
    if section.record:
        parts.append(section.record)
    if section.breakouts:
        parts.append("Likeliest breakouts now:\n" + "\n".join(f"- {line}" for line in section.breakouts))
    return _section(section.title, "\n\n".join(parts))


def _section(title: str, body: str) -> str:
    return f"{title.upper()}\n{'-' * len(title)}\n{body}"


def _forecast(line: ForecastLine) -> str:
    return f"{line.label}: {line.range}\n  {line.odds}\n  {line.record}"


def _row(row: SeriesRow, page: str | None) -> str:
    lines = [
        f"{row.label}: {row.price}, 24h {row.change_24h}, 7d {row.change_7d}",
        f"  Trend: {row.trend}",
        f"  Volatility: {row.volatility}",
        f"  News: {row.news}",
        f"  The day: {row.activity}",
    ]
    if row.note:
        lines.append(f"  Note: {row.note}")
    if page:
        lines.append(f"  On the dashboard: {page}")
    return "\n".join(lines)


def _held(number: int, item: HeldFiring) -> str:
    return (
        f"{number}. {item.label}, {item.when}: {item.title} ({item.direction}, {item.severity_name})\n"
        f"   {item.rarity}\n   Held back: {item.held}"
    )

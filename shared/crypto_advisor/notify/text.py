"""The plain-text part: the same :class:`~crypto_advisor.notify.format.EmailContent` as the HTML, as lines.

Read by clients that show no HTML and by anyone who prefers text; it says
everything the HTML says except the chart, which it points to. Nothing is
escaped (plain text has no markup to break out of) and every outside string
is already one line, so a headline cannot forge a section of its own. Lines
are not hard-wrapped: phones wrap to their own width.
"""

from __future__ import annotations

from crypto_advisor.notify.format import EmailContent, FiringItem, NewsContent, PredictionItem
from crypto_advisor.notify.links import EmailLinks

#: The section of an alert's links (the alert email's and the market email's).
LINKS_TITLE = "Your alerts"
#: One unsubscribe stops both: the alerts and the digest go to the same list of recipients.
UNSUBSCRIBE_LABEL = "Unsubscribe from these alerts and the digest"
#: The section of the series' email record, right after what fired: how far to trust this kind of email.
PAST_ALERTS_TITLE = "How past alerts on this series fared"


def text_document(content: EmailContent, *, has_chart: bool) -> str:
    """The whole plain-text part, ending with a newline."""
    blocks = [f"{content.title}\n{content.intro}"]
    if content.warning:
        blocks.append(f"DATA HEALTH: {content.warning}")
    fired = [_firing(i, item) for i, item in enumerate(content.firings, start=1)]
    blocks.append(section("What fired", "\n\n".join(fired) or "No rule fired."))
    if content.past_alerts:
        blocks.append(section(PAST_ALERTS_TITLE, content.past_alerts))
    if content.context:
        blocks.append(section("Market context", "\n".join(content.context)))
    if has_chart:
        blocks.append(
            "The chart (price, Bollinger bands, EMAs, volume, RSI, MACD) is in the HTML version of this email."
        )
    blocks.append(section("Snapshot", "\n".join(_fact(f.label, f.value, f.note) for f in content.snapshot)))
    if content.news is not None:
        blocks.append(section("News", _news(content.news)))
    if content.predictions:
        blocks.append(section("Predictions", "\n".join(_prediction(item) for item in content.predictions)))
    if content.links is not None:
        blocks.append(section(LINKS_TITLE, links_text(content.links)))
    blocks.append(f"-- \n{content.footer}")
    return "\n\n".join(blocks) + "\n"


def links_text(links: EmailLinks) -> str:
    """The series page, a line per mute choice and the unsubscribe, each URL on its own line for phones."""
    lines = [f"Open this series on the dashboard: {links.series_page}"]
    for mute in links.mutes:
        lines.extend(f"{mute.words} {choice.label}: {choice.url}" for choice in mute.choices)
    lines.append(f"{UNSUBSCRIBE_LABEL}: {links.unsubscribe}")
    return "\n".join(lines)


def section(title: str, body: str) -> str:
    return f"{title.upper()}\n{'-' * len(title)}\n{body}"


def _firing(number: int, item: FiringItem) -> str:
    lines = [
        f"{number}. {item.title} ({item.direction}, {item.severity_name})",
        f"   {item.sentence}",
        *([f"   {item.rarity}"] if item.rarity else []),
        f"   {item.figures}",
    ]
    if item.history:
        lines.append(f"   {item.history}")
    if item.suppressed:
        lines.append(f"   Held back: {item.suppressed}")
    return "\n".join(lines)


def _prediction(item: PredictionItem) -> str:
    return f"- {item.text}" + (f"\n  {item.live}" if item.live else "")


def _fact(label: str, value: str, note: str) -> str:
    return f"{label}: {value}" + (f" ({note})" if note else "")


def _news(news: NewsContent) -> str:
    lines = list(news.summary)
    if news.in_the_news:
        lines.insert(1, news.in_the_news)
    for item in news.headlines:
        lines.append("")
        lines.append(f"- {item.title}")
        outlets = f", {item.outlets}" if item.outlets else ""
        lines.append(f"  {item.source}, {item.when}, score {item.score}{outlets}")
        if item.link:
            lines.append(f"  {item.link}")
        elif item.unlinked_url:
            lines.append(f"  (not a web address: {item.unlinked_url})")
    return "\n".join(lines)

"""The HTML part: :class:`~crypto_advisor.notify.format.EmailContent` laid out for a phone and for Gmail and Outlook.

What mail clients allow shapes everything here: one column of nested tables at
most 600 px wide (Outlook's Word engine ignores ``max-width``, hence the
``[if mso]`` fixed-width table), inline ``style`` attributes only (Gmail and
Outlook drop ``<style>`` blocks and most selectors), no scripts, no SVG, no
remote images; the chart is the message's own PNG, referenced by ``cid:``.

This is the one place where outside text meets markup: every string is escaped
with ``html.escape(quote=True)`` as it is written, and only addresses that
:func:`~crypto_advisor.contracts.news.is_web_url` accepts (the content already
sorted them into ``link``) become an ``href``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from crypto_advisor.notify.format import EmailContent, FiringItem, HeadlineItem, NewsContent, PredictionItem
from crypto_advisor.notify.links import EmailLinks
from crypto_advisor.notify.text import LINKS_TITLE, PAST_ALERTS_TITLE, UNSUBSCRIBE_LABEL

FONT = "font-family:Arial,Helvetica,sans-serif;"
TEXT = "#1f2328"
MUTED = "#57606a"
BORDER = "#d0d7de"
LINK = "#0969da"
DIRECTION_COLOURS = {"bullish": "#1a7f37", "bearish": "#cf222e", "neutral": "#57606a"}
SEVERITY_COLOURS = {3: "#cf222e", 2: "#9a6700", 1: "#57606a"}


def esc(text: str) -> str:
    """Text made inert in HTML, inside elements and inside quoted attributes alike."""
    return html.escape(text, quote=True)


def html_document(content: EmailContent, chart_cid: str | None) -> str:
    """The whole HTML part; ``chart_cid`` is the Content-ID of the chart image, or None when there is no chart."""
    rows = [header(content.title, content.intro)]
    if content.warning:
        rows.append(_warning(content.warning))
    rows.append(section("What fired", "".join(_firing(f) for f in content.firings) or paragraph("No rule fired.")))
    if content.past_alerts:
        rows.append(section(PAST_ALERTS_TITLE, paragraph(esc(content.past_alerts), margin="0")))
    if content.context:
        rows.append(section("Market context", "".join(paragraph(esc(line)) for line in content.context)))
    if chart_cid:
        rows.append(chart_row(chart_cid, content.chart_caption))
    rows.append(section("Snapshot", _snapshot(content)))
    if content.news is not None:
        rows.append(section("News", _news(content.news)))
    if content.predictions:
        rows.append(section("Predictions", "".join(_prediction(item) for item in content.predictions)))
    if content.links is not None:
        rows.append(section(LINKS_TITLE, _links(content.links)))
    rows.append(footer_row(content.footer))
    return page(content.subject, rows)


def anchor(url: str, label: str) -> str:
    """A link, escaped, in the emails' link colour."""
    return f'<a href="{esc(url)}" style="color:{LINK};">{esc(label)}</a>'


def _links(links: EmailLinks) -> str:
    """The series page, a mute pair per rule and the unsubscribe; each action asks for confirmation on its page."""
    lines = [paragraph(anchor(links.series_page, "Open this series on the dashboard"))]
    for mute in links.mutes:
        choices = " / ".join(anchor(choice.url, choice.label) for choice in mute.choices)
        lines.append(paragraph(f"{esc(mute.words)} {choices}"))
    lines.append(unsubscribe_paragraph(links.unsubscribe))
    return "".join(lines)


def unsubscribe_paragraph(url: str) -> str:
    """The unsubscribe link, in smaller muted print: the last of an email's links (its page asks for confirmation)."""
    return paragraph(anchor(url, UNSUBSCRIBE_LABEL), f"font-size:13px;color:{MUTED};")


def page(subject: str, rows: Sequence[str]) -> str:
    """The whole HTML document around ``rows`` (each a ``<tr>``): the one layout every email of the project shares."""
    body = "\n".join(rows)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f6f8fa;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f6f8fa;">
<tr><td align="center" style="padding:12px 6px;">
<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0">\
<tr><td><![endif]-->
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;\
background-color:#ffffff;border:1px solid {BORDER};border-collapse:collapse;{FONT}color:{TEXT};">
{body}
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>
"""


def cell(inner: str, style: str = "") -> str:
    cell = f"padding:14px 18px;{FONT}font-size:15px;line-height:1.45;color:{TEXT};{style}"
    return f'<tr><td style="{cell}">{inner}</td></tr>'


def paragraph(inner: str, style: str = "", margin: str = "0 0 8px 0") -> str:
    return f'<p style="margin:{margin};{style}">{inner}</p>'


def header(title: str, intro: str) -> str:
    """The email's first row: its title and the sentence that says what it is about."""
    return cell(
        f'<h1 style="margin:0 0 6px 0;font-size:21px;line-height:1.3;">{esc(title)}</h1>'
        + paragraph(esc(intro), f"color:{MUTED};", margin="0"),
        f"border-bottom:1px solid {BORDER};",
    )


def _warning(text: str) -> str:
    return cell(
        paragraph(f"<strong>Data health:</strong> {esc(text)}", margin="0"),
        "background-color:#fff8c5;border-bottom:1px solid #d4a72c;",
    )


def section(title: str, inner: str) -> str:
    heading = f'<h2 style="margin:0 0 10px 0;font-size:17px;line-height:1.3;">{esc(title)}</h2>'
    return cell(heading + inner)


def _firing(item: FiringItem) -> str:
    colour = DIRECTION_COLOURS.get(item.direction, MUTED)
    severity = SEVERITY_COLOURS.get(item.severity, MUTED)
    badge = (
        f'<span style="color:{colour};font-weight:bold;">{esc(item.direction)}</span> · '
        f'<span style="color:{severity};font-weight:bold;">{esc(item.severity_name)}</span>'
    )
    lines = [
        paragraph(f'<strong style="font-size:16px;">{esc(item.title)}</strong> &nbsp;{badge}', margin="0 0 4px 0"),
        paragraph(esc(item.sentence), margin="0 0 4px 0"),
    ]
    if item.rarity:
        lines.append(paragraph(f"<strong>{esc(item.rarity)}</strong>", margin="0 0 4px 0"))
    lines.append(paragraph(esc(item.figures), f"font-size:13px;color:{MUTED};", margin="0 0 4px 0"))
    if item.history:
        lines.append(paragraph(esc(item.history), f"font-size:13px;color:{TEXT};", margin="0 0 4px 0"))
    if item.suppressed:
        lines.append(paragraph(f"Held back: {esc(item.suppressed)}", "font-size:13px;color:#9a6700;", margin="0"))
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;margin:0 0 12px 0;">'
        f'<tr><td style="border-left:4px solid {colour};padding:2px 0 2px 10px;{FONT}font-size:15px;'
        f'line-height:1.45;color:{TEXT};">{"".join(lines)}</td></tr></table>'
    )


def chart_row(cid: str, caption: str) -> str:
    return (
        '<tr><td style="padding:0 0 4px 0;">'
        f'<img src="cid:{esc(cid)}" width="600" alt="{esc(caption)}" '
        'style="display:block;width:100%;max-width:600px;height:auto;border:0;outline:none;text-decoration:none;">'
        "</td></tr>"
    )


def _snapshot(content: EmailContent) -> str:
    cells = []
    for fact in content.snapshot:
        note = f'<br><span style="font-size:13px;color:{MUTED};">{esc(fact.note)}</span>' if fact.note else ""
        cells.append(
            f'<tr><td valign="top" style="padding:5px 10px 5px 0;border-top:1px solid {BORDER};{FONT}font-size:14px;'
            f'color:{MUTED};width:38%;">{esc(fact.label)}</td>'
            f'<td valign="top" style="padding:5px 0;border-top:1px solid {BORDER};{FONT}font-size:15px;color:{TEXT};">'
            f"<strong>{esc(fact.value)}</strong>{note}</td></tr>"
        )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="border-collapse:collapse;">{"".join(cells)}</table>'
    )


def _news(news: NewsContent) -> str:
    # The first line is the mood (or why there is none); what follows explains the scores, in smaller print.
    parts = [
        paragraph(esc(line), f"font-size:15px;color:{TEXT};" if i == 0 else f"font-size:13px;color:{MUTED};")
        for i, line in enumerate(news.summary)
    ]
    if news.in_the_news:
        parts.insert(1, paragraph(esc(news.in_the_news), f"font-size:15px;color:{TEXT};"))
    parts.extend(_headline(h) for h in news.headlines)
    return "".join(parts)


def _headline(item: HeadlineItem) -> str:
    if item.link is not None:
        title = f'<a href="{esc(item.link)}" style="color:{LINK};text-decoration:underline;">{esc(item.title)}</a>'
    else:
        title = esc(item.title)
    meta = f"{esc(item.source)} · {esc(item.when)} · score {esc(item.score)}"
    if item.outlets:
        meta += f" · {esc(item.outlets)}"
    unlinked = (
        f'<br><span style="font-size:12px;color:{MUTED};">address not shown as a link: {esc(item.unlinked_url)}</span>'
        if item.unlinked_url
        else ""
    )
    return paragraph(
        f'<strong>{title}</strong><br><span style="font-size:13px;color:{MUTED};">{meta}</span>{unlinked}',
        f"padding-top:8px;border-top:1px solid {BORDER};",
        margin="0 0 10px 0",
    )


def _prediction(item: PredictionItem) -> str:
    # Only a skilled model's forecast reads at full strength; unproven ones are muted, never bold.
    text = f"<strong>{esc(item.text)}</strong>" if item.headline else esc(item.text)
    style = f"color:{TEXT};" if item.skilled else f"font-size:14px;color:{MUTED};"
    live = f'<br><span style="font-size:13px;color:{MUTED};">{esc(item.live)}</span>' if item.live is not None else ""
    return paragraph(text + live, style)


def footer_row(text: str) -> str:
    return cell(paragraph(esc(text), f"font-size:12px;color:{MUTED};", margin="0"), f"border-top:1px solid {BORDER};")

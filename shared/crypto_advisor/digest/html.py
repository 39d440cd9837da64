"""The HTML part of the digest, laid out for a phone and for Gmail and Outlook like the alert email.

The alert email's constraints hold here too (:mod:`crypto_advisor.notify.html`):
one column of nested tables at most 600 px wide, inline styles only, no
scripts, SVG or remote images, the chart as the message's own PNG by
``cid:``. The market table keeps to four narrow columns (series, price, 24 h,
7 d) and puts each series' regime, news and day on a full-width line under
its row, so nothing scrolls sideways on a phone.

Every string is escaped with :func:`~crypto_advisor.notify.html.esc` where it
meets markup: rule sentences, rarity words and subjects come from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from crypto_advisor.digest.content import DigestContent, ForecastLine, HeldFiring, SentLine, SeriesRow
from crypto_advisor.digest.scan_section import ScanSection
from crypto_advisor.digest.text import DASHBOARD_LABEL, HELD_TITLE, LINKS_TITLE, UNSUBSCRIBE_LABEL
from crypto_advisor.notify.html import BORDER, DIRECTION_COLOURS, FONT, MUTED, TEXT, anchor, esc
from crypto_advisor.notify.links import DigestLinks

UP = DIRECTION_COLOURS["bullish"]
DOWN = DIRECTION_COLOURS["bearish"]
_TABLE = 'role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"'


def html_document(
    content: DigestContent,
    chart_cid: str | None,
    *,
    links: DigestLinks | None = None,
    pages: Sequence[str | None] = (),
) -> str:
    """The whole HTML part; ``chart_cid`` is the Content-ID of the chart image, or None without a chart.

    With ``links`` each series' name opens its page on the dashboard (``pages``, in the rows' order), and a
    last section links the dashboard and the unsubscribe (which asks for confirmation on its page).
    """
    forecasts = "".join(_forecast(line) for line in content.forecasts)
    if content.no_forecast:
        forecasts += _p(esc(content.no_forecast), f"font-size:13px;color:{MUTED};")
    held = "".join(_held(item) for item in content.held) or _p("None: every firing on healthy data made an alert.")
    if content.held_more:
        held += _p(f"… and {content.held_more} more.", f"font-size:13px;color:{MUTED};")
    rows = [
        _cell(
            f'<h1 style="margin:0 0 6px 0;font-size:21px;line-height:1.3;">{esc(content.title)}</h1>'
            + _p(esc(content.intro), f"color:{MUTED};", margin="0"),
            f"border-bottom:1px solid {BORDER};",
        ),
        _section("Volatility forecast", forecasts),
        _section("Markets", _markets(content.rows, pages)),
        *(_section(scan.title, _scan(scan)) for scan in content.scans),
    ]
    if chart_cid:
        rows.append(
            '<tr><td style="padding:0 0 4px 0;">'
            f'<img src="cid:{esc(chart_cid)}" width="600" alt="{esc(content.chart_caption)}" '
            'style="display:block;width:100%;max-width:600px;height:auto;border:0;outline:none;text-decoration:none;">'
            "</td></tr>"
        )
    rows.append(_section(HELD_TITLE, held))
    rows.append(_section("Alerts sent", "".join(_sent(line) for line in content.sent) or _p("None.")))
    if links is not None:
        rows.append(
            _section(
                LINKS_TITLE,
                _p(anchor(links.dashboard, DASHBOARD_LABEL))
                + _p(anchor(links.unsubscribe, UNSUBSCRIBE_LABEL), f"font-size:13px;color:{MUTED};"),
            )
        )
    rows.append(
        _cell(_p(esc(content.footer), f"font-size:12px;color:{MUTED};", margin="0"), f"border-top:1px solid {BORDER};")
    )
    body = "\n".join(rows)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(content.subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background-color:#f6f8fa;">\n'
        f'<table {_TABLE} style="background-color:#f6f8fa;"><tr><td align="center" style="padding:12px 6px;">\n'
        '<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" '
        'border="0"><tr><td><![endif]-->\n'
        f'<table {_TABLE} style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid {BORDER};'
        f'border-collapse:collapse;{FONT}color:{TEXT};">\n{body}\n</table>\n'
        "<!--[if mso]></td></tr></table><![endif]-->\n</td></tr></table>\n</body>\n</html>\n"
    )


def _scan(section: ScanSection) -> str:
    inner = _p(esc(section.intro), f"font-size:13px;color:{MUTED};")
    for heading, lines in (("Top risers", section.risers), ("Top fallers", section.fallers)):
        if lines:
            inner += _p(f"<strong>{heading}</strong><br>" + "<br>".join(esc(line) for line in lines))
    if section.record:
        inner += _p(esc(section.record), "font-size:13px;")
    if section.breakouts:
        inner += _p("<strong>Likeliest breakouts now</strong><br>" + "<br>".join(esc(b) for b in section.breakouts))
    return inner


def _cell(inner: str, style: str = "") -> str:
    cell = f"padding:14px 18px;{FONT}font-size:15px;line-height:1.45;color:{TEXT};{style}"
    return f'<tr><td style="{cell}">{inner}</td></tr>'


def _p(inner: str, style: str = "", margin: str = "0 0 8px 0") -> str:
    return f'<p style="margin:{margin};{style}">{inner}</p>'


def _section(title: str, inner: str) -> str:
    return _cell(f'<h2 style="margin:0 0 10px 0;font-size:17px;line-height:1.3;">{esc(title)}</h2>{inner}')


def _forecast(line: ForecastLine) -> str:
    # Only a forecast that beat its baseline reads at full strength; an unproven one is muted, never bold.
    head = f"<strong>{esc(line.label)}</strong>: " + (
        f"<strong>{esc(line.range)}</strong>" if line.skilled else esc(line.range)
    )
    return _p(
        f'{head}<br>{esc(line.odds)}<br><span style="font-size:13px;color:{MUTED};">{esc(line.record)}</span>',
        f"padding-top:8px;border-top:1px solid {BORDER};" + ("" if line.skilled else f"color:{MUTED};"),
        margin="0 0 10px 0",
    )


def _markets(rows: tuple[SeriesRow, ...], pages: Sequence[str | None]) -> str:
    th = f"padding:4px 6px 4px 0;{FONT}font-size:12px;color:{MUTED};text-align:left;font-weight:normal;"
    head = "".join(f'<th style="{th}">{name}</th>' for name in ("Series", "Price", "24h", "7d"))
    body = "".join(_market(row, page) for row, page in zip_longest(rows, pages))
    return f'<table {_TABLE} style="border-collapse:collapse;"><tr>{head}</tr>{body}</table>'


def _market(row: SeriesRow, page: str | None) -> str:
    td = f"padding:6px 6px 2px 0;border-top:1px solid {BORDER};{FONT}font-size:14px;color:{TEXT};"
    change = UP if row.sign_24h > 0 else DOWN if row.sign_24h < 0 else MUTED
    details = [f"Trend: {row.trend}", f"Volatility: {row.volatility}", f"News: {row.news}", f"The day: {row.activity}"]
    if row.note:
        details.append(f"Note: {row.note}")
    return (
        f'<tr><td style="{td}"><strong>{anchor(page, row.label) if page else esc(row.label)}</strong></td>'
        f'<td style="{td}">{esc(row.price)}</td>'
        f'<td style="{td}color:{change};font-weight:bold;">{esc(row.change_24h)}</td>'
        f'<td style="{td}">{esc(row.change_7d)}</td></tr>'
        f'<tr><td colspan="4" style="padding:0 0 8px 0;{FONT}font-size:12px;line-height:1.45;color:{MUTED};">'
        + "<br>".join(esc(line) for line in details)
        + "</td></tr>"
    )


def _held(item: HeldFiring) -> str:
    colour = DIRECTION_COLOURS.get(item.direction, MUTED)
    return (
        f'<table {_TABLE} style="border-collapse:collapse;margin:0 0 10px 0;"><tr>'
        f'<td style="border-left:4px solid {colour};padding:2px 0 2px 10px;{FONT}font-size:14px;line-height:1.45;'
        f'color:{TEXT};"><strong>{esc(item.title)}</strong> · {esc(item.label)} · '
        f'<span style="color:{colour};">{esc(item.direction)}</span>, {esc(item.severity_name)}<br>'
        f"{esc(item.rarity)}<br>"
        f'<span style="font-size:12px;color:{MUTED};">{esc(item.when)} · held back: {esc(item.held)}</span>'
        "</td></tr></table>"
    )


def _sent(line: SentLine) -> str:
    return _p(
        f'<span style="font-size:13px;color:{MUTED};">{esc(line.when)}</span><br>{esc(line.subject)}',
        f"padding-top:6px;border-top:1px solid {BORDER};",
    )

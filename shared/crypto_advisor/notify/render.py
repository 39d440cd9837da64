"""The alert email rendered: subject, plain text, HTML and the inline chart, from one :class:`AlertView`.

The content is worded once (:mod:`.format`) and laid out twice (:mod:`.text`,
:mod:`.html`), so the two parts cannot disagree; the chart (:mod:`.chart`) is
the message's own PNG, referenced from the HTML by its Content-ID. Pure: the
same view gives the same email.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.notify.format import email_content
from crypto_advisor.notify.html import html_document
from crypto_advisor.notify.text import text_document
from crypto_advisor.notify.view import AlertView


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows through ``cid:<cid>``; sent as a multipart/related part.

    ``cid`` is the bare id (``chart.1735707600000.BTC-USD.1h@crypto-advisor``),
    without the angle brackets the Content-ID header wraps it in.
    """

    cid: str
    filename: str
    png: bytes


@dataclass(frozen=True)
class RenderedEmail:
    """Everything :func:`crypto_advisor.notify.mime.build_message` needs besides the addresses and the date."""

    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...]
    #: the RFC 8058 one-click unsubscribe URL (``List-Unsubscribe``); None: the email has no unsubscribe
    unsubscribe_url: str | None = None


def render_email(view: AlertView, *, chart: bool = True) -> RenderedEmail:
    """The email for ``view``: the chart when there are at least two candles, every section otherwise the same.

    ``chart=False`` leaves the chart out (the dashboard's re-rendering of an email sent before the sent messages
    were archived: DashboardFunction does not carry matplotlib)."""
    content = email_content(view)
    images: tuple[InlineImage, ...] = ()
    if chart and len(view.candles) >= 2:
        # matplotlib costs more to import than the rest of NotifyFunction, and most signals send no email.
        from crypto_advisor.notify.chart import chart_png

        series = view.series
        png = chart_png(view.candles, view.ordered_firings, title=content.title)
        images = (
            InlineImage(
                cid=f"chart.{view.signal.candle_ts}.{series.symbol}.{series.timeframe}@crypto-advisor",
                filename=f"chart-{series.symbol}-{series.timeframe}.png",
                png=png,
            ),
        )
    return RenderedEmail(
        subject=content.subject,
        text=text_document(content, has_chart=bool(images)),
        html=html_document(content, images[0].cid if images else None),
        images=images,
        unsubscribe_url=view.links.unsubscribe if view.links is not None else None,
    )

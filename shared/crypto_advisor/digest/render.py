"""The digest rendered: subject, plain text, HTML and the inline chart, from one :class:`DigestView`.

Worded once (:mod:`.content`), laid out twice (:mod:`.text`, :mod:`.html`);
the chart (:mod:`.chart`) is the message's own PNG. The result is the alert
email's :class:`~crypto_advisor.notify.render.RenderedEmail`, so the same MIME
builder (:func:`crypto_advisor.notify.mime.build_message`) makes both. Pure:
the same view gives the same email.
"""

from __future__ import annotations

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.digest.content import CHART_MS, digest_content
from crypto_advisor.digest.html import html_document
from crypto_advisor.digest.text import text_document
from crypto_advisor.digest.view import DigestView
from crypto_advisor.notify.render import InlineImage, RenderedEmail


def render_digest(view: DigestView) -> RenderedEmail:
    """The digest of ``view``, with its chart when at least one series has two candles in its last 7 days."""
    content = digest_content(view)
    panels = [(r.watched.series, _last_week(r.candles)) for r in view.rows]
    images: tuple[InlineImage, ...] = ()
    if any(len(candles) >= 2 for _, candles in panels):
        # matplotlib costs more to import than the rest of the function, and most hourly runs send nothing.
        from crypto_advisor.digest.chart import Panel, small_multiples_png

        png = small_multiples_png(
            [Panel(series.label, series.timeframe_ms, candles, CHART_MS) for series, candles in panels],
            title=f"The last 7 days · {view.when.day:%d %b %Y}",
        )
        images = (
            InlineImage(
                cid=f"digest.{view.when.day.isoformat()}@crypto-advisor",
                filename=f"digest-{view.when.day.isoformat()}.png",
                png=png,
            ),
        )
    return RenderedEmail(
        subject=content.subject,
        text=text_document(content, has_chart=bool(images), links=view.links, pages=view.pages()),
        html=html_document(content, images[0].cid if images else None, links=view.links, pages=view.pages()),
        images=images,
        unsubscribe_url=view.links.unsubscribe if view.links is not None else None,
    )


def _last_week(candles: tuple[Candle, ...]) -> tuple[Candle, ...]:
    """The candles from the one 7 days before the newest: the span of the row's 7-day change."""
    return tuple(c for c in candles if c.ts >= candles[-1].ts - CHART_MS) if candles else ()

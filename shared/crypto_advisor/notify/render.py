"""The alert email rendered: subject, plain text, HTML and the inline chart.

Draft: the full layout lands in the following commits; the types and the
signature are final so the notifier can build on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.notify.view import AlertView


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows through ``cid:<cid>``; sent as a multipart/related part."""

    cid: str
    filename: str
    png: bytes


@dataclass(frozen=True)
class RenderedEmail:
    """Everything :func:`crypto_advisor.notify.mime.build_message` needs besides the addresses."""

    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...]


def render_email(view: AlertView) -> RenderedEmail:
    """The email for ``view``."""
    headline = view.headline
    what = f"{headline.rule_id} ({headline.direction})" if headline else "update"
    subject = f"{view.series.pair} {view.series.timeframe}: {what} at {view.signal.close:,.2f}"
    text = "\n".join(f.sentence for f in view.ordered_firings)
    return RenderedEmail(subject=subject, text=text, html=f"<p>{text}</p>", images=())

"""An alert's email, shown again: the MIME message as it was sent, or re-rendered where none was kept.

SES keeps no copy, so the notifier archives each message it hands to SES
(:mod:`crypto_advisor.adapters.sent_emails`); :func:`archived_email` reads it
back (``source: "archived"``): subject, text and HTML exactly as sent, the
chart the message's own PNG. With links, each recipient's message differs only
in their own mute and unsubscribe links; the archived one is the first
recipient's, and the note names its address.

A decision sent before the archive began (or whose message could not be
archived) is rendered again by the notifier's own code
(:func:`~crypto_advisor.notify.render.render_email`, or
:func:`~crypto_advisor.notify.market_email.render_market_email` for a market
email) from the stored signal, the candles up to its candle, the rules that
the decision names and the replay figures, **without the chart**
(``source: "re-rendered"``): drawing it needs matplotlib, which
DashboardFunction no longer carries (issue 12's 100 MB). What else can differ
from the email as it arrived: the rules' records and the models' live records
are today's, not the day's. The answer says so in ``note``. Images are inlined
as ``data:`` URLs, since a browser cannot resolve ``cid:`` references.
"""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.decisions import Decision
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.notify.grading import LiveRecord
from crypto_advisor.notify.market import market_move
from crypto_advisor.notify.market_email import render_market_email
from crypto_advisor.notify.render import RenderedEmail, render_email
from crypto_advisor.notify.view import AlertView, RuleRecord

NOTE = (
    "Re-rendered from the stored signal, candles and replay figures (the sent message was not archived: it went out"
    " before the archive began, or keeping it failed): without its chart, and the rules' records and the models'"
    " live records are as of now, not as of the send."
)


@dataclass(frozen=True)
class ArchivedEmail:
    subject: str
    html: str
    text: str
    #: the To header of the kept message (with links, the first recipient's copy)
    to: str
    date: str


def archived_email(mime: bytes) -> ArchivedEmail:
    """The kept message's parts: its HTML with every ``cid:`` image inlined, its text, subject, To and Date."""
    message = email.message_from_bytes(mime, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # the default policy's class
    html = text = ""
    images: list[tuple[str, bytes, str]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/html" and not html:
            html = str(part.get_content()).replace("\r\n", "\n")  # the wire's CRLF lines, as a mail client shows them
        elif kind == "text/plain" and not text:
            text = str(part.get_content()).replace("\r\n", "\n")
        elif part.get_content_maintype() == "image" and part["Content-ID"]:
            data = part.get_content()  # bytes for an image part
            images.append((str(part["Content-ID"]).strip("<>"), data if isinstance(data, bytes) else b"", kind))
    return ArchivedEmail(
        subject=str(message["Subject"] or ""),
        html=_inline(html, images),
        text=text,
        to=str(message["To"] or ""),
        date=str(message["Date"] or ""),
    )


def _inline(html: str, images: Iterable[tuple[str, bytes, str]]) -> str:
    for cid, data, kind in images:
        html = html.replace(f"cid:{cid}", f"data:{kind};base64,{base64.b64encode(data).decode()}")
    return html


def alert_email(
    watched: WatchedSeries,
    signal: Signal,
    decision: Decision,
    candles: Sequence[Candle],
    records: Mapping[str, RuleRecord],
    live: Mapping[str, LiveRecord],
) -> RenderedEmail:
    """The alert email of ``decision``: the firings it named (all of the signal's when it names none)."""
    named = set(decision.rules)
    firings = tuple(f for f in signal.firings if not named or f.rule_id in named)
    view = AlertView(
        signal=signal,
        series=watched.series,
        firings=firings,
        candles=tuple(c for c in candles if c.ts <= signal.candle_ts),
        rule_records=records,
        coin_name=watched.coin_name,
        live_records=live,
    )
    return render_email(view, chart=False)


def market_email(
    timeframe: str, candle_ts: int, peers: Sequence[Series], found: Mapping[str, Signal]
) -> RenderedEmail | None:
    """The market email of ``timeframe``'s candle from the peers' stored signals; None if they no longer make one."""
    if not peers:
        return None
    move = market_move(timeframe, candle_ts, list(peers), dict(found))
    return None if move is None else render_market_email(move, peers[0].timeframe_ms, chart=False)


def inline_images(rendered: RenderedEmail) -> str:
    """The HTML with each ``cid:`` reference replaced by its image as a ``data:`` URL."""
    return _inline(rendered.html, ((image.cid, image.png, "image/png") for image in rendered.images))

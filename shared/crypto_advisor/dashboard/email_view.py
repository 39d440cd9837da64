"""An alert's email, shown again: the MIME message as it was sent, or re-rendered where none was kept.

SES keeps no copy, so the notifier archives each message it hands to SES
(:mod:`crypto_advisor.adapters.sent_emails`); :func:`archived_email` reads it
back (``source: "archived"``): subject, text and HTML as sent, the chart the
message's own PNG. With links, each recipient's message differs only in their
own mute and unsubscribe links; the archived one is the first recipient's, and
the note names its address. Those links carry tokens signed for that recipient
(:mod:`crypto_advisor.notify.links`, valid for 30 days): served as they are,
any signed-in user could unsubscribe or mute for them. So every link that
carries a token is removed from both parts here, the one place the archived
message is read back (the archive keeps the message whole): an anchor becomes
its text, a URL in the text part becomes :data:`REMOVED_LINK`, and the answer's
note says so. The series page link, which carries no token, stays.

A decision sent before the archive began (or whose message could not be
archived) is rendered again by the notifier's own code
(:func:`~crypto_advisor.notify.render.render_email`, or
:func:`~crypto_advisor.notify.market_email.render_market_email` for a market
email) from the stored signal, the candles up to its candle, the rules that
the decision names and the replay figures, **without the chart**
(``source: "re-rendered"``): drawing it needs matplotlib, which
DashboardFunction no longer carries (issue 12's 100 MB). What else can differ
from the email as it arrived: the rules' records, how the series' past alerts
fared and the models' live records are today's, not the day's. The answer says so in ``note``. Images are inlined
as ``data:`` URLs, since a browser cannot resolve ``cid:`` references.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
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
from crypto_advisor.notify.view import AlertView, EmailRecord, RuleRecord

NOTE = (
    "Re-rendered from the stored signal, candles and replay figures (the sent message was not archived: it went out"
    " before the archive began, or keeping it failed): without its chart, and the rules' records, how past alerts"
    " fared and the models' live records are as of now, not as of the send."
)


#: What a URL with a signed token becomes in the text part (in the HTML, its anchor becomes the anchor's text).
REMOVED_LINK = "(link removed: it was the recipient's own)"
#: A URL whose query carries a ``token`` (the one-click links; in the HTML its ``&`` may be written ``&amp;``): the
#: whole run of URL characters around ``?token=`` or ``&token=``, with or without a scheme.
_TOKEN_URL = re.compile(r"""[^\s"'<>]*[?&](?:amp;)?token=[^\s"'<>]*""", re.IGNORECASE)
_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ArchivedEmail:
    subject: str
    #: the HTML and text as sent, except that every link carrying a token was removed (:func:`without_token_links`)
    html: str
    text: str
    #: the To header of the kept message (with links, the first recipient's copy)
    to: str
    date: str
    #: how many links carrying a token were removed, both parts together
    links_removed: int = 0


def archived_email(mime: bytes) -> ArchivedEmail:
    """The kept message's parts: its HTML with every ``cid:`` image inlined, its text, subject, To and Date, and
    neither part with a link that carries a token (the recipient's own mute and unsubscribe links)."""
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
    html, removed_from_html = without_token_links(html, html=True)
    text, removed_from_text = without_token_links(text, html=False)
    return ArchivedEmail(
        subject=str(message["Subject"] or ""),
        html=_inline(html, images),
        text=text,
        to=str(message["To"] or ""),
        date=str(message["Date"] or ""),
        links_removed=removed_from_html + removed_from_text,
    )


def without_token_links(body: str, *, html: bool) -> tuple[str, int]:
    """``body`` with every link that carries a token removed, and how many were.

    In HTML an anchor whose tag or text names such a URL becomes its text (already escaped, as sent); any such URL
    left (outside an anchor, or in a part's text) becomes :data:`REMOVED_LINK`, so no token is left in either part.
    """
    anchors = 0

    def unlinked(anchor: re.Match[str]) -> str:
        nonlocal anchors
        if not _TOKEN_URL.search(anchor.group(0)):
            return anchor.group(0)
        anchors += 1
        return anchor.group(1)

    if html:
        body = _ANCHOR.sub(unlinked, body)
    body, urls = _TOKEN_URL.subn(REMOVED_LINK, body)
    return body, anchors + urls


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
    past: EmailRecord | None,
) -> RenderedEmail:
    """The alert email of ``decision``: the firings it named (all of the signal's when it names none), with how the
    series' past alerts fared (``past``, the replay report's email record) as a sent one has it."""
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
        email_record=past,
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

"""An alert's email, shown again: re-rendered from what was stored when it was decided.

The sent MIME is not archived (SES keeps no copy, and archiving would add an
S3 write to every send); instead the email is rendered again by the
notifier's own code (:func:`~crypto_advisor.notify.render.render_email`, or
:func:`~crypto_advisor.notify.market_email.render_market_email` for a market
email) from the stored signal, the candles up to its candle, the rules that
the decision names and the replay figures. What can differ from the email as
it arrived: the rules' records and the models' live records are today's, not
the day's (the training run and the ledger have moved on), and the candles are
the hot window's (an email older than it has no chart). The answer says so in
``note``. The chart is inlined as a ``data:`` URL, since a browser cannot
resolve ``cid:`` references.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

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
    "Re-rendered from the stored signal, candles and replay figures (the sent MIME is not archived): the rules'"
    " records and the models' live records are as of now, not as of the send."
)


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
    return render_email(view)


def market_email(
    timeframe: str, candle_ts: int, peers: Sequence[Series], found: Mapping[str, Signal]
) -> RenderedEmail | None:
    """The market email of ``timeframe``'s candle from the peers' stored signals; None if they no longer make one."""
    if not peers:
        return None
    move = market_move(timeframe, candle_ts, list(peers), dict(found))
    return None if move is None else render_market_email(move, peers[0].timeframe_ms)


def inline_images(email: RenderedEmail) -> str:
    """The HTML with each ``cid:`` reference replaced by its image as a ``data:`` URL."""
    html = email.html
    for image in email.images:
        data = base64.b64encode(image.png).decode()
        html = html.replace(f"cid:{image.cid}", f"data:image/png;base64,{data}")
    return html

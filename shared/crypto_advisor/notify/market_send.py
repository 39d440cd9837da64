"""The market email's use case: read the candle's other signals, claim the email once, send it, record the coin.

A signal whose candle moved 2 sigmas or more on healthy data
(:func:`~crypto_advisor.notify.market.is_large`; most signals are not, and
cost nothing more) makes the notifier read the other watched series' signals
of the same candle from the Signals table. If the candle moved many of them
the same way (:func:`~crypto_advisor.notify.market.market_move`) and this coin
is one of them, the market email is claimed in the notification log, once per
(timeframe, candle) whichever coin's record gets there first, sent, and marked
sent, exactly as an alert is (:mod:`.delivery`); then this coin's decision is
recorded as suppressed, ``in_market_email``. A coin whose whole series is
muted takes no part in it (it neither counts towards the move nor appears in
the email) and is decided on its own, as ``muted``. With links it goes out as
an alert does, one message per recipient, each with their own dashboard, coin
pages and one-click unsubscribe, and is delivered by the same rules (one
accepted makes it sent). A coin whose record arrives after the claim finds it
(sent: it is recorded the same way; being sent by another invocation: its
record is retried later, as for an alert in flight). Under retries: a failed
send releases the claim and fails the record, whose retry starts over; a
process dying after ``mark_sent`` leaves only this coin's decision to record,
which the retry does (the claim is found sent). The stream delivers each
coin's signal on its own, in any order: a coin decided before enough others
were stored to make the move market-wide is decided on its own (and may have
had its own email); the signals of one ingest run are normally all stored
before the first is notified, since the analysis runs within seconds and the
notifier's stream batches wait up to 5 s.

What the email says is :mod:`.market_email`'s; whether the candle moved the
market is :mod:`.market`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from crypto_advisor.analysis.alert_budget import move_size
from crypto_advisor.contracts.alerts import Existing, market_log_key
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.watchlist import WatchedSeries
from crypto_advisor.notify.delivery import Delivery, Messages, told_fields
from crypto_advisor.notify.links import DigestLinks, LinkSigner
from crypto_advisor.notify.market import MarketMove, market_move
from crypto_advisor.notify.outcomes import MarketEmailSent, Suppressed
from crypto_advisor.notify.policy import Suppress, candle_closed_ms, rarest_told, series_muted
from crypto_advisor.notify.ports import AlertLog, SignalLookup, SteeringLookup, WatchedLookup
from crypto_advisor.notify.render import RenderedEmail


@dataclass(frozen=True)
class MarketSend:
    """The notifier's ports the market email needs; built by the :class:`~crypto_advisor.notify.service.Notifier`
    from its own for a large move's signal."""

    watchlist: WatchedLookup
    log: AlertLog
    #: the Signals table, read for the other coins of the candle
    signals: SignalLookup
    delivery: Delivery
    #: the market email of (move, timeframe_ms, one recipient's links or None)
    render: Callable[[MarketMove, int, DigestLinks | None], RenderedEmail]
    default_recipients: tuple[str, ...] = ()
    #: mutes and unsubscribes (the SettingsTable); None: nothing is muted
    steering: SteeringLookup | None = None

    def cover(self, signal: Signal, watched: WatchedSeries, now_ms: int, deadline_ms: int | None) -> Suppressed | None:
        """The market email that covers ``signal``'s coin, sent once, and the coin recorded in it; None: not one.

        A coin whose whole series is muted takes no part: it neither counts towards the move nor appears in the
        email, and its recipients are not added; when it is ``signal``'s own coin, None (the policy records it).

        Raises :class:`~crypto_advisor.notify.delivery.AlertInFlightError` while another invocation holds the
        market email's claim, and what sending raises (after releasing it).
        """
        series, candle_ts = watched.series, signal.candle_ts
        if self._muted(signal.series, candle_ts):
            return None  # the policy records it muted, as any coin whose series is muted
        peers = [
            p
            for p in self.watchlist.of_timeframe(series.timeframe)
            if p.series.key == signal.series or not self._muted(p.series.key, candle_ts)
        ]
        found = {signal.series: signal}
        for peer in peers:
            if peer.series.key != signal.series and (other := self.signals.at(peer.series.key, candle_ts)):
                found[peer.series.key] = other
        move = market_move(series.timeframe, candle_ts, [p.series for p in peers], found)
        gone = {u.lower() for u in self.steering.unsubscribed()} if self.steering is not None else set()
        recipients = tuple(
            dict.fromkeys(
                r for p in peers for r in (p.alerts.recipients or self.default_recipients) if r.lower() not in gone
            )
        )
        if move is None or not move.covers(signal.series) or not recipients:
            return None
        if self._cooling(series.timeframe, candle_ts, watched.alerts.cooldown_ms):
            return None  # a market email went out within the cooldown: each coin is judged on its own, as any alert
        covers = tuple(c.series.key for c in move.followed)
        claim = self.delivery.claim(
            f"the market email of {series.timeframe} at {candle_ts}",
            lambda at: self.log.claim_market(
                series.timeframe, candle_ts, now_ms=at, direction=move.direction, covers=covers, recipients=recipients
            ),
            now_ms,
            deadline_ms,
        )
        sent: MarketEmailSent | None = None
        if not isinstance(claim, Existing):  # sent or unknown already: only this coin's decision is left to record
            now_ms = claim.claimed_at
            try:
                messages = self._messages(move, series, recipients, now_ms)
            except BaseException as exc:
                self.delivery.release(claim, exc)
                raise
            settled = self.delivery.deliver(claim, messages, now_ms, deadline_ms)
            subject = str(messages[0][1]["Subject"])
            unknown = "; ".join((settled.unknown, *settled.notes)) if settled.unknown is not None else None
            sent = MarketEmailSent(
                series.timeframe,
                candle_ts,
                settled.message_id,
                subject,
                covers,
                claim.took_over,
                unknown,
                notes=settled.notes if unknown is None else (),
            )
        fell = "fell" if move.direction == "down" else "rose"
        suppress = Suppress(
            "in_market_email",
            f"covered by the market email of the {series.timeframe} candle: "
            f"{len(move.followed)} of {len(move.coins)} watched coins {fell} together",
            tuple(f.rule_id for f in signal.firings),
        )
        logged = self.log.record_suppressed(
            signal.series,
            candle_ts,
            reason=suppress.reason,
            detail=suppress.detail,
            rules=suppress.rules,
            now_ms=now_ms,
            # The user heard of this candle's move: the coin's next alert within its cooldown is a follow-up.
            **told_fields(rarest_told(signal.active_firings, move_size(signal))),
        )
        return Suppressed(signal, suppress, logged, market=sent)

    def _cooling(self, timeframe: str, candle_ts: int, cooldown_ms: int) -> bool:
        """Whether a market email of ``timeframe`` went out for another candle within ``cooldown_ms`` before this one.

        A crash that runs over several candles is one piece of news: the first
        candle's market email tells it, and the candles after it are judged
        coin by coin (bar, budget, cooldown), so the market email is as rare as
        any alert.
        """
        if cooldown_ms <= 0:
            return False
        earlier = self.log.recent_sends(market_log_key(timeframe), candle_ts - cooldown_ms + 1, candle_ts - 1)
        return any(sent.candle_ts != candle_ts for sent in earlier)

    def _messages(self, move: MarketMove, series: Series, recipients: tuple[str, ...], now_ms: int) -> Messages:
        """The market email's messages (:meth:`Delivery.messages`), each recipient's with their dashboard, covered
        coins' pages and unsubscribe."""
        covered = [c.series for c in move.followed]

        def render(links: LinkSigner | None, recipient: str) -> RenderedEmail:
            own = links.market_links(covered, recipient, now_ms=now_ms) if links is not None else None
            return self.render(move, series.timeframe_ms, own)

        # The candle's close, not the clock: whichever coin's record sends it, a retry has the same date (and without
        # links, whose nonces are fresh each time, is the same message).
        return self.delivery.messages(
            recipients, render, datetime.fromtimestamp((move.candle_ts + series.timeframe_ms) / 1000, tz=UTC)
        )

    def _muted(self, series_key: str, candle_ts: int) -> bool:
        """Whether the whole series was muted when its candle at ``candle_ts`` closed (:func:`series_muted`)."""
        if self.steering is None:
            return False
        return series_muted(self.steering.mutes(series_key), candle_closed_ms(series_key, candle_ts))

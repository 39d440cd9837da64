"""NotifyFunction's use case: one stored Signal in, at most one email out, and the decision recorded.

For each signal: find the series' alert policy in the watchlist, read the
series' recent emails from the notification log, and let
:func:`~crypto_advisor.notify.policy.decide` judge. A suppression is recorded
with its reason. A send claims the candle in the log first (so a redelivered
record never sends twice), then gathers what the email shows (the candle
window, the replay figures when they exist), renders it, hands the messages
to SES and settles the claim by SES's answer: all of that but the gathering
and the rendering is :class:`~crypto_advisor.notify.delivery.Delivery`'s
(released on a failure, kept ``unknown`` when the answer was lost, the time
to finish, claims left by the dead). What became of the signal is one of
:mod:`.outcomes`.

Replay figures are decoration: when they cannot be read the email goes out
without them and the outcome says why (the telemetry logs it), rather than
holding back an alert for a missing track record.

**The market email.** A signal whose candle moved 2 sigmas or more on
healthy data may be covered by the market email instead of an alert of its
own (:class:`~crypto_advisor.notify.market_send.MarketSend`): sent once per
(timeframe, candle), and the coin's decision recorded ``in_market_email``.

**A market scan is one budget group.** A scan coin's email is claimed, and its recent sends read, under its
scan's key (:func:`~crypto_advisor.contracts.market_scan.budget_key`, ``scan#USD``), not the coin's: one scan
email per candle hour, one weekly cap and one cooldown per rule for all its coins; a coin held back is recorded
under its own key. Scan coins never make or join a market email.

The forecast ledger is kept here, beside the email it is about. Before
rendering, the series' open ledger entries whose due candle is in the window
just read are graded (a conditional update each, so a redelivery grades
nothing twice), and the live record of each model is put in the view. After
SES accepted the email and the candle is marked sent, the predictions it
showed are stored as open entries. Both are decoration too: a ledger that
cannot be read or written is a note in the outcome, never a failed record,
because a failed record is retried and a retry after SES accepted could only
end in a second email. The writes come after ``mark_sent`` so the one window
for a duplicate (SES accepted, not yet marked) stays as short as it was.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crypto_advisor.analysis.alert_budget import AlertBar, current_bar, default_bar
from crypto_advisor.contracts.alerts import LEASE_MS, Existing, SentAlert
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.conditions import is_user_condition
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.market_scan import budget_key, is_scan_series
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.notify.delivery import CLAIM_BUDGET_MS, Delivery, Messages, told_fields
from crypto_advisor.notify.grading import LIVE_WINDOW, LiveRecord, entries_from, gradable, live_records
from crypto_advisor.notify.links import DigestLinks, LinkSigner
from crypto_advisor.notify.market import MarketMove, is_large
from crypto_advisor.notify.market_email import render_market_email
from crypto_advisor.notify.market_send import MarketSend
from crypto_advisor.notify.outcomes import LEDGER_NOTE, AlreadyDecided, DeliveryUnknown, Outcome, Sent, Suppressed
from crypto_advisor.notify.policy import Send, Suppress, cooldown_window, decide, longest_cooldown
from crypto_advisor.notify.ports import (
    AlertLog,
    CandleWindow,
    Mailer,
    PredictionLedger,
    ReplayFigures,
    SentArchive,
    SignalLookup,
    SteeringLookup,
    WatchedLookup,
)
from crypto_advisor.notify.render import RenderedEmail, render_email
from crypto_advisor.notify.replay_figures import replay_parts
from crypto_advisor.notify.view import AlertView, EmailRecord, RuleRecord


class _Once:
    """The series' replay figures, read from the store at most once per signal, and only if asked for."""

    def __init__(self, read: Callable[[], Mapping[str, Any] | None]) -> None:
        self._read = read
        self._done = False
        self._value: Mapping[str, Any] | None = None

    def get(self) -> Mapping[str, Any] | None:
        if not self._done:
            self._value = self._read()
            self._done = True
        return self._value


@dataclass(frozen=True)
class Notifier:
    """The collaborators of one notification; built once per container by :mod:`.wiring`."""

    watchlist: WatchedLookup
    log: AlertLog
    candles: CandleWindow
    figures: ReplayFigures
    mailer: Mailer
    sender: str
    default_recipients: tuple[str, ...] = ()
    render: Callable[[AlertView], RenderedEmail] = render_email
    #: None: no forecast ledger (predictions are shown without a live record, and not stored)
    ledger: PredictionLedger | None = None
    #: graded predictions per model a live record covers
    live_window: int = LIVE_WINDOW
    #: the Signals table, read for the other coins of a large move's candle; None: no market emails
    signals: SignalLookup | None = None
    #: the market email of (move, timeframe_ms, one recipient's links or None)
    render_market: Callable[[MarketMove, int, DigestLinks | None], RenderedEmail] = render_market_email
    #: the notification log's lease (a claim older than this may be taken over)
    lease_ms: int = LEASE_MS
    claim_budget_ms: int = CLAIM_BUDGET_MS
    #: waits out a claim held by another invocation (``time.sleep``); None: never wait, fail the record at once
    sleep: Callable[[float], None] | None = None
    #: mutes and unsubscribes (the SettingsTable); None: nothing is muted
    steering: SteeringLookup | None = None
    #: signs each recipient's dashboard, mute and unsubscribe links; None: the emails carry no links
    links: LinkSigner | None = None
    #: keeps each sent message for the dashboard (the archive bucket's ``sent-emails/``); None: nothing kept
    sent: SentArchive | None = None

    def with_mailer(self, mailer: Mailer) -> Notifier:
        return dataclasses.replace(self, mailer=mailer)

    @functools.cached_property
    def _delivery(self) -> Delivery:
        """The claim, send and settle of this notifier's emails, over its own log, mailer and archive (built once:
        :meth:`with_mailer` makes a new notifier, with its own)."""
        return Delivery(
            self.log,
            self.mailer,
            self.sender,
            lease_ms=self.lease_ms,
            claim_budget_ms=self.claim_budget_ms,
            sleep=self.sleep,
            links=self.links,
            sent=self.sent,
        )

    def notify(self, signal: Signal, *, now_ms: int, deadline_ms: int | None = None) -> Outcome:
        """Decide about ``signal``, record the decision, and send its email if the policy says so.

        ``deadline_ms`` is when the invocation will be stopped (None: no limit):
        nothing is claimed without :attr:`claim_budget_ms` before it.
        """
        watched = self.watchlist.find(signal.series)
        # A coin whose own condition fired is decided by the policy, which emails the condition (the user asked for
        # exactly that); the market email can still cover the other coins of the candle.
        asked = any(is_user_condition(f.rule_id) for f in signal.active_firings)
        # A scan's coins are not the watchlist's peers: the market email is about the watched series.
        scan_coin = is_scan_series(signal.series)
        if watched is not None and self.signals is not None and is_large(signal) and not asked and not scan_coin:
            market = MarketSend(
                self.watchlist,
                self.log,
                self.signals,
                self._delivery,
                self.render_market,
                self.default_recipients,
                self.steering,
            )
            covered = market.cover(signal, watched, now_ms, deadline_ms)
            if covered is not None:
                return covered
        policy = watched.alerts if watched is not None else None
        report = _Once(lambda: self.figures.read(watched.series) if watched is not None else None)
        bar = self._bar(signal, watched, report, policy)
        conditions = watched.conditions if watched is not None else ()
        longest = longest_cooldown(policy, conditions)
        mutes, unsubscribed = self._steering(signal, watched)
        decision = decide(
            signal,
            policy,
            self._recent_sends(signal, longest),
            default_recipients=self.default_recipients,
            bar=bar.score,
            conditions=conditions,
            mutes=mutes,
            unsubscribed=unsubscribed,
        )
        if isinstance(decision, Suppress):
            logged = self.log.record_suppressed(
                signal.series,
                signal.candle_ts,
                reason=decision.reason,
                detail=decision.detail,
                rules=decision.rules,
                now_ms=now_ms,
            )
            return Suppressed(signal, decision, logged)
        assert watched is not None  # a Send needs a policy
        told = told_fields(decision.told(signal))
        delivery = self._delivery
        claim = delivery.claim(
            f"the alert of {signal.series} at {signal.candle_ts}",
            lambda at: self.log.claim(
                budget_key(signal.series),
                signal.candle_ts,
                now_ms=at,
                rules=decision.rules,
                recipients=decision.recipients,
                **told,
            ),
            now_ms,
            deadline_ms,
        )
        if isinstance(claim, Existing):
            return AlreadyDecided(signal, claim)
        now_ms = claim.claimed_at  # later than the record's start when a held claim was waited out
        try:
            messages, notes, graded = self._message(signal, watched, decision, report, now_ms)
        except BaseException as exc:
            delivery.release(claim, exc)
            raise
        settled = delivery.deliver(claim, messages, now_ms, deadline_ms)
        recorded, ledger_notes = self._record_predictions(signal, watched.series, now_ms)
        notes += settled.notes + ledger_notes
        subject = str(messages[0][1]["Subject"])
        if settled.message_id is None:
            error = settled.unknown or ""
            return DeliveryUnknown(signal, decision, subject, error, claim.took_over, notes, graded, recorded)
        return Sent(
            signal,
            decision,
            settled.message_id,
            subject,
            took_over=claim.took_over,
            notes=notes,
            graded=graded,
            recorded=recorded,
        )

    def _steering(self, signal: Signal, watched: WatchedSeries | None) -> tuple[list[Mute], frozenset[str]]:
        """The series' mutes and the unsubscribed addresses, read only for a signal the policy could email."""
        if self.steering is None or watched is None or not signal.active_firings or not signal.health.healthy:
            return [], frozenset()
        return self.steering.mutes(signal.series), self.steering.unsubscribed()

    def _recent_sends(self, signal: Signal, cooldown_ms: int) -> Iterator[SentAlert]:
        """The series' sends around the candle (a scan coin's: its scan's, :func:`budget_key`), read only if the
        policy gets as far as the cooldown.

        Most signals stop earlier (no firings), so the Query is made lazily, the
        first time :func:`decide` iterates.
        """
        since, until = cooldown_window(signal.candle_ts, cooldown_ms)
        yield from self.log.recent_sends(budget_key(signal.series), since, until)

    def _bar(
        self, signal: Signal, watched: WatchedSeries | None, report: _Once, policy: AlertPolicy | None
    ) -> AlertBar:
        """The series' rarity bar, read from the replay figures only when the policy will get as far as the bar.

        Unreadable figures fall back to the default bar (a two weeks' record),
        which errs towards fewer emails, never more.
        """
        if watched is None or policy is None or not signal.active_firings:
            return default_bar(HOUR_MS, policy.max_per_week if policy is not None else 0.0)
        tf = watched.series.timeframe_ms
        try:
            stored = report.get()
            return current_bar(
                stored.get("alert_bar") if stored is not None else None,
                timeframe_ms=tf,
                max_per_week=policy.max_per_week,
            )
        except (StorageError, ValueError):
            return default_bar(tf, policy.max_per_week)

    def _message(
        self, signal: Signal, watched: WatchedSeries, send: Send, report: _Once, now_ms: int
    ) -> tuple[Messages, tuple[str, ...], int]:
        """The email's messages: one to all recipients, or with links one per recipient (each their own links)."""
        series = watched.series
        records, record, notes = _replay_parts(report)
        candles = tuple(self._window(series, signal.candle_ts))
        live, graded, ledger_notes = self._grade(series, candles, now_ms)
        view = AlertView(
            signal=signal,
            series=series,
            firings=send.firings,
            candles=candles,
            rule_records=records,
            coin_name=watched.coin_name,
            live_records=live,
            over_budget=send.over_budget,
            email_record=record,
        )
        rules = [f.rule_id for f in view.ordered_firings]

        def render(links: LinkSigner | None, recipient: str) -> RenderedEmail:
            own = links.links(series, rules, recipient, now_ms=now_ms) if links is not None else None
            return self.render(dataclasses.replace(view, links=own) if own is not None else view)

        # The analysis time, not the clock: a retry builds the same message. SES replaces Date and Message-ID with
        # its own, so this is for the local outbox and other relays, not to merge copies.
        messages = self._delivery.messages(
            send.recipients, render, datetime.fromtimestamp(signal.analyzed_at / 1000, tz=UTC)
        )
        return messages, notes + ledger_notes, graded

    def _grade(
        self, series: Series, candles: tuple[Candle, ...], now_ms: int
    ) -> tuple[dict[str, LiveRecord], int, tuple[str, ...]]:
        """Grade the series' open predictions now due against ``candles``; each model's live record after that."""
        if self.ledger is None:
            return {}, 0, ()
        graded = 0
        try:
            entries = self.ledger.read(series.key)
            done = {}
            for entry in gradable(entries, candles, series.timeframe_ms):
                assert entry.grade is not None  # gradable() sets it
                graded += self.ledger.mark_graded(entry, entry.grade, now_ms=now_ms)
                # Graded by another delivery meanwhile: from the same candles, so to the same outcome.
                done[entry.sk] = entry.graded(entry.grade, now_ms)
        except StorageError as exc:
            return {}, graded, (f"{LEDGER_NOTE} unreadable: predictions shown without their live record ({exc})",)
        return live_records([done.get(e.sk, e) for e in entries], window=self.live_window), graded, ()

    def _record_predictions(self, signal: Signal, series: Series, now_ms: int) -> tuple[int, tuple[str, ...]]:
        """Put the predictions this email showed in the ledger, open, to be graded once due."""
        if self.ledger is None or not signal.predictions:
            return 0, ()
        entries = entries_from(signal.predictions, close=signal.close, timeframe_ms=series.timeframe_ms)
        try:
            return self.ledger.put_new(entries, now_ms=now_ms), ()
        except StorageError as exc:
            return 0, (f"{LEDGER_NOTE} write failed: this email's predictions will not be graded ({exc})",)

    def _window(self, series: Series, candle_ts: int) -> list[Candle]:
        """The last :data:`WINDOW_CANDLES` candles up to the signal's (newer ones may exist on a late delivery)."""
        since = candle_ts - (WINDOW_CANDLES - 1) * series.timeframe_ms
        return [c for c in self.candles.window(series, since_ts=since) if c.ts <= candle_ts]


def _replay_parts(report: _Once) -> tuple[dict[str, RuleRecord], EmailRecord | None, tuple[str, ...]]:
    """The rules' records and the series' email record from one read of the replay report, with a note per part
    left out (:func:`~crypto_advisor.notify.replay_figures.replay_parts`: a malformed part leaves the other in the
    email). An unreadable report leaves both out, with one note.
    """
    try:
        parts = replay_parts(report.get())
    except StorageError as exc:
        return {}, None, (f"replay figures left out: {exc}",)
    errors = (("replay figures", parts.rules_error), ("email record", parts.email_error))
    return parts.rule_records, parts.email_record, tuple(f"{what} left out: {why}" for what, why in errors if why)

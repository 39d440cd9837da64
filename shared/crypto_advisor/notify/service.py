"""NotifyFunction's use case: one stored Signal in, at most one email out, and the decision recorded.

For each signal: find the series' alert policy in the watchlist, read the
series' recent emails from the notification log, and let
:func:`~crypto_advisor.notify.policy.decide` judge. A suppression is recorded
with its reason. A send claims the candle in the log first (so a redelivered
record never sends twice), then gathers what the email shows (the candle
window, the replay figures when they exist), renders it, hands the MIME bytes
to SES and marks the candle sent. If anything between the claim and SES's
answer fails, or SES refuses the email, the claim is released and the error
propagates: the stream record fails and its retry starts over. If SES's
answer is lost (a timeout, a dropped connection, a 5xx: it may have the
email), the claim is kept as ``unknown`` and the record succeeds: a retry
could only send a second copy (:class:`DeliveryUnknown`). With links, each
recipient gets a message of their own and each is tried whatever became of the
others: one accepted makes the alert sent (the others are named in a note, not
resent), so one unverified or unlucky address never decides for the rest.

**Time to finish, and claims left by the dead.** Nothing is claimed without
:data:`CLAIM_BUDGET_MS` of the invocation left (:class:`NoTimeToSendError`:
the record fails unclaimed and is retried in a fresh invocation), so the
function's timeout does not stop a sender holding a claim. A claim found held
(its invocation died, or rarely a concurrent delivery) is waited out within
the invocation: until its lease ends when there is the time, else as long as
there is, before the record fails with :class:`AlertInFlightError`. Each of
the stream's retries spends ``Timeout - CLAIM_BUDGET_MS`` waiting, so a few
of them outlast the lease and one takes the claim over, instead of all
failing within a second of each other and the record being parked unsent.

Replay figures are decoration: when they cannot be read the email goes out
without them and the outcome says why (the telemetry logs it), rather than
holding back an alert for a missing track record.

**The market email.** A signal whose candle moved 2 sigmas or more on
healthy data (:func:`~crypto_advisor.notify.market.is_large`; most signals
are not, and cost nothing more) makes the notifier read the other watched
series' signals of the same candle from the Signals table. If the candle
moved many of them the same way (:func:`~crypto_advisor.notify.market.market_move`)
and this coin is one of them, the market email is claimed in the
notification log, once per (timeframe, candle) whichever coin's record gets
there first, sent, and marked sent, exactly as an alert is; then this coin's
decision is recorded as suppressed, ``in_market_email``. A coin whose whole
series is muted takes no part in it (it neither counts towards the move nor
appears in the email) and is decided on its own, as ``muted``. With links it
goes out as an alert does, one message per recipient, each with their own
dashboard, coin pages and one-click unsubscribe, and is delivered by the same
rules (one accepted makes it sent). A coin whose record
arrives after the claim finds it (sent: it is recorded the same way; being
sent by another invocation: its record is retried later, as for an alert in
flight). Under retries: a failed send releases the claim and fails the
record, whose retry starts over; a process dying after ``mark_sent`` leaves
only this coin's decision to record, which the retry does (the claim is
found sent). The stream delivers each coin's signal on its own, in any
order: a coin decided before enough others were stored to make the move
market-wide is decided on its own (and may have had its own email); the
signals of one ingest run are normally all stored before the first is
notified, since the analysis runs within seconds and the notifier's stream
batches wait up to 5 s.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Literal, TypedDict

from crypto_advisor.analysis.alert_budget import AlertBar, Rarest, current_bar, default_bar, move_size
from crypto_advisor.contracts.alerts import LEASE_MS, Claim, Existing, SentAlert, market_log_key
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.conditions import is_user_condition
from crypto_advisor.contracts.errors import DeliveryUnknownError, StorageError
from crypto_advisor.contracts.market_scan import budget_key, is_scan_series
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.contracts.steering import Mute
from crypto_advisor.contracts.units import HOUR_MS
from crypto_advisor.contracts.watchlist import AlertPolicy, WatchedSeries
from crypto_advisor.market.indicator_spec import WINDOW_CANDLES
from crypto_advisor.notify.grading import LIVE_WINDOW, LiveRecord, entries_from, gradable, live_records
from crypto_advisor.notify.links import DigestLinks, LinkSigner
from crypto_advisor.notify.market import MarketMove, is_large, market_move
from crypto_advisor.notify.market_email import render_market_email
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.policy import (
    Send,
    Suppress,
    candle_closed_ms,
    cooldown_window,
    decide,
    longest_cooldown,
    rarest_told,
    series_muted,
)
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
from crypto_advisor.notify.replay_figures import rule_records
from crypto_advisor.notify.view import AlertView, RuleRecord

#: How notes about the forecast ledger begin, so the telemetry can count ledger failures apart.
LEDGER_NOTE = "forecast ledger"
#: The invocation time a send needs from its claim to its settled record: reading the window, drawing the chart,
#: SES (at most 3 + 10 s, wiring.notify.SES_CONFIG) and the write that settles the claim.
CLAIM_BUDGET_MS = 25_000
#: The longest one SES call can take (wiring.notify.SES_CONFIG: 3 s to connect, 10 s to read): what a lost answer may
#: have cost the invocation.
SES_WAIT_MS = 13_000
_NO_TIME = "SES's lost answers left too little of the invocation to send it and still record the alert"


class AlertInFlightError(Exception):
    """Another invocation holds this candle's claim and may be sending right now: retry later.

    Seen when a record is redelivered while its first delivery is still
    running, or within the lease after that delivery died; once the lease has
    passed, the retry takes the claim over.
    """

    retryable = True


class NoTimeToSendError(Exception):
    """Too little of the invocation is left to send an email and record it: nothing was claimed; retry.

    Claiming anyway could leave the claim to die with the invocation, and
    every retry within its lease would then fail in flight.
    """

    retryable = True


@dataclass(frozen=True)
class Sent:
    signal: Signal
    send: Send
    message_id: str
    subject: str
    took_over: bool = False
    #: things worth a warning that did not stop the email (e.g. replay figures unreadable)
    notes: tuple[str, ...] = ()
    #: earlier predictions of the series graded for this email, and this email's predictions put in the ledger
    graded: int = 0
    recorded: int = 0


@dataclass(frozen=True)
class DeliveryUnknown:
    """SES's answer was lost: the email went out once or not at all; its claim is kept, so never a second time."""

    signal: Signal
    send: Send
    subject: str
    #: what was lost (a timeout, a dropped connection, a 5xx)
    error: str
    took_over: bool = False
    notes: tuple[str, ...] = ()
    graded: int = 0
    recorded: int = 0


@dataclass(frozen=True)
class MarketEmailSent:
    """The market email this invocation sent, covering the coins that moved with the market on one candle."""

    timeframe: str
    candle_ts: int
    #: None when SES's answer was lost (see ``unknown``)
    message_id: str | None
    subject: str
    covers: tuple[str, ...]
    took_over: bool = False
    #: SES's answer was lost (why): the market email may not have arrived; it is never sent again
    unknown: str | None = None
    #: what did not stop the email but is worth a warning (a recipient SES refused, the archive unwritable); with
    #: ``unknown`` they are in it instead
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suppressed:
    signal: Signal
    suppress: Suppress
    #: False: the candle was already decided (a redelivery), nothing was written
    recorded: bool
    #: the market email this invocation sent before recording the coin ``in_market_email``, if it was this one
    market: MarketEmailSent | None = None


@dataclass(frozen=True)
class AlreadyDecided:
    """A redelivered signal whose candle was already emailed or suppressed: nothing done."""

    signal: Signal
    existing: Existing


Outcome = Sent | DeliveryUnknown | Suppressed | AlreadyDecided


@dataclass(frozen=True)
class _Settled:
    """What became of one send under its claim: SES's message id, or why nobody knows."""

    message_id: str | None
    unknown: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Attempt:
    """What became of one message handed (or not) to SES."""

    recipients: tuple[str, ...]
    message: EmailMessage
    outcome: Literal["accepted", "lost", "refused", "not tried"]
    #: SES's message id when accepted, else what went wrong in words
    detail: str
    #: the refusal, raised again when every message was refused
    error: Exception | None = None

    def note(self) -> str:
        """The outcome's note about a message that was not accepted, naming its recipients."""
        who = ", ".join(self.recipients)
        if self.outcome == "lost":
            return f"SES's answer for {who} was lost, it may have the email (not sent again): {self.detail}"
        if self.outcome == "not tried":
            return f"not sent to {who}: not tried, {self.detail} (not sent again)"
        return f"not sent to {who}: {self.detail} (not sent again)"


class _ToldFields(TypedDict):
    score: float | None
    capped: bool
    move_sigma: float | None


def _told_fields(told: Rarest | None) -> _ToldFields:
    """What the notification log keeps of an email for the follow-up check of the next (:meth:`AlertLog.claim`'s
    ``score``, ``capped`` and ``move_sigma``); none of it for an email of the user's conditions only, which holds no
    follow-up back."""
    if told is None:
        return {"score": None, "capped": False, "move_sigma": None}
    return {"score": told.score, "capped": told.capped, "move_sigma": told.move_sigma}


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
            covered = self._market(signal, watched, now_ms, deadline_ms)
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
        told = _told_fields(decision.told(signal))
        claim = self._claim(
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
            self._release(claim, exc)
            raise
        settled = self._deliver(claim, messages, now_ms, deadline_ms)
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

    def _claim(
        self, what: str, claim: Callable[[int], Claim | Existing], now_ms: int, deadline_ms: int | None
    ) -> Claim | Existing:
        """``claim(at)``, with the time to finish, and a claim held by another invocation waited out if possible.

        Returns the claim, or what the log already holds when it is decided
        (sent, unknown, suppressed). Raises :class:`NoTimeToSendError` when the
        invocation has less than :attr:`claim_budget_ms` left, and
        :class:`AlertInFlightError` when the claim is still held after waiting
        as long as the invocation allows.
        """
        if deadline_ms is not None and now_ms + self.claim_budget_ms > deadline_ms:
            raise NoTimeToSendError(
                f"{what}: {deadline_ms - now_ms} ms of the invocation left, {self.claim_budget_ms} ms needed to "
                "send and record it; nothing claimed, the retry sends it"
            )
        got = claim(now_ms)
        if not (isinstance(got, Existing) and got.status == "sending"):
            return got
        held_since = got.claimed_at if got.claimed_at is not None else now_ms
        if self.sleep is not None and deadline_ms is not None:
            free_at = held_since + self.lease_ms + 1
            wait = min(free_at, deadline_ms - self.claim_budget_ms) - now_ms
            if wait > 0:
                self.sleep(wait / 1000)
                now_ms += wait
            if now_ms >= free_at:
                got = claim(now_ms)
                if not (isinstance(got, Existing) and got.status == "sending"):
                    return got
        raise AlertInFlightError(
            f"{what} is held by another invocation (claimed at {held_since}); a retry takes it over once its "
            f"{self.lease_ms} ms lease has passed"
        )

    def _deliver(
        self,
        claim: Claim,
        messages: Sequence[tuple[tuple[str, ...], EmailMessage]],
        now_ms: int,
        deadline_ms: int | None = None,
    ) -> _Settled:
        """Send ``messages`` (recipients, message) under ``claim`` and settle the claim by what SES answered.

        Every message is tried, whatever became of the others (with links, one per recipient), so a recipient SES
        refuses (an address the SES sandbox has not verified) or whose answer is lost never keeps the others from the
        alert, wherever it stands in the list:

        - one or more accepted: the claim is marked sent (the first accepted message's id) and a note names each
          recipient refused, whose answer was lost, or not tried. They are not sent again: a retry of the record
          would send every accepted recipient a second copy;
        - none accepted and an answer lost: the claim is kept as ``unknown`` and nothing is raised, since SES may
          have that message and a retry could only send it a second time;
        - every message refused (or failed before SES answered): the claim is released and the first error
          propagates, noting the others, so the stream retries the record.

        A lost answer may have taken a whole SES wait; a further message is not tried when the claim might then be
        left unsettled by the invocation's end (:meth:`_time_for_another`): taken over after its lease, it would be
        sent to everyone again.
        """
        subject = str(messages[0][1]["Subject"])
        attempts: list[_Attempt] = []
        try:
            for recipients, message in messages:
                if self._time_for_another(claim, attempts, deadline_ms):
                    attempts.append(self._attempt(recipients, message))
                else:
                    attempts.append(_Attempt(recipients, message, "not tried", _NO_TIME))
        except BaseException as exc:  # the process is being stopped: free the claim if SES can have nothing
            if all(a.outcome == "refused" for a in attempts):
                self._release(claim, exc)
            raise
        return self._settle(claim, subject, attempts, now_ms)

    def _settle(self, claim: Claim, subject: str, attempts: Sequence[_Attempt], now_ms: int) -> _Settled:
        """Mark ``claim`` sent, keep it unknown, or release it and raise: by the attempts, as :meth:`_deliver` says."""
        accepted = [a for a in attempts if a.outcome == "accepted"]
        missed = tuple(a.note() for a in attempts if a.outcome != "accepted") if len(attempts) > 1 else ()
        if accepted:
            ids = [a.detail for a in accepted]
            self.log.mark_sent(claim, message_id=",".join(ids), subject=subject, now_ms=now_ms)
            return _Settled(ids[0], notes=(*missed, *self._archive(claim, accepted[0].message)))
        lost = [a for a in attempts if a.outcome == "lost"]
        if lost:
            why = "; ".join(a.detail for a in lost)
            kept = self._keep_unknown(claim, subject, why, now_ms)
            return _Settled(None, why, kept + missed + self._archive(claim, lost[0].message))
        error = attempts[0].error
        assert error is not None  # neither accepted nor lost, so refused: a lost answer is all that leaves one untried
        for each in missed:
            error.add_note(each)
        self._release(claim, error)
        raise error

    def _time_for_another(self, claim: Claim, attempts: Sequence[_Attempt], deadline_ms: int | None) -> bool:
        """Whether one more message can be sent and the claim still settled before the invocation is stopped.

        The claim was taken with :attr:`claim_budget_ms` to spare, enough for one SES call; each lost answer since
        may have cost a whole SES wait (:data:`SES_WAIT_MS`). There is no clock here, so this errs towards fewer
        messages: a refusal or an acceptance is an answer, and quick.
        """
        lost = sum(1 for a in attempts if a.outcome == "lost")
        if deadline_ms is None or not lost:
            return True
        return claim.claimed_at + self.claim_budget_ms + lost * SES_WAIT_MS <= deadline_ms

    def _attempt(self, recipients: tuple[str, ...], message: EmailMessage) -> _Attempt:
        """Hand one message to SES: accepted (its id), its answer lost, or refused (any failure before an answer)."""
        try:
            return _Attempt(
                recipients, message, "accepted", self.mailer.send_raw(self.sender, recipients, message.as_bytes())
            )
        except DeliveryUnknownError as exc:
            return _Attempt(recipients, message, "lost", str(exc))
        except Exception as exc:  # noqa: BLE001 - one recipient's failure must not keep the others'; noted
            return _Attempt(recipients, message, "refused", f"{type(exc).__name__}: {exc}", exc)

    def _archive(self, claim: Claim, message: EmailMessage) -> tuple[str, ...]:
        """Keep the first message SES took (or may have) for the dashboard; a note, never a failure, if it cannot.

        After SES has the email a failed record could only be retried into a second email, so the archive is
        decoration, as the ledger is. With links, each recipient's message differs only in their own links; the
        first one SES accepted is kept (none accepted: the first whose answer was lost).
        """
        if self.sent is None:
            return ()
        try:
            self.sent.put(claim.series, claim.candle_ts, message.as_bytes())
        except StorageError as exc:
            return (f"the sent message was not archived (the dashboard will re-render it): {exc}",)
        return ()

    def _keep_unknown(self, claim: Claim, subject: str, why: str, now_ms: int) -> tuple[str, ...]:
        """Record the claim as ``unknown``; notes when that could not be done (the claim then stays ``sending``)."""
        try:
            if not self.log.mark_unknown(claim, subject=subject, detail=why, now_ms=now_ms):
                return (f"the claim on {claim.series} at {claim.candle_ts} had been taken over already",)
        except StorageError as exc:
            return (
                f"recording the unknown delivery failed too ({exc}): the claim stays 'sending', and only a "
                "redelivery after its lease could send the email again",
            )
        return ()

    def _market_cooling(self, timeframe: str, candle_ts: int, cooldown_ms: int) -> bool:
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

    def _market(
        self, signal: Signal, watched: WatchedSeries, now_ms: int, deadline_ms: int | None
    ) -> Suppressed | None:
        """The market email that covers ``signal``'s coin, sent once, and the coin recorded in it; None: not one.

        A coin whose whole series is muted takes no part: it neither counts towards the move nor appears in the
        email, and its recipients are not added; when it is ``signal``'s own coin, None (the policy records it).

        Raises :class:`AlertInFlightError` while another invocation holds the
        market email's claim, and what sending raises (after releasing it).
        """
        assert self.signals is not None
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
        if self._market_cooling(series.timeframe, candle_ts, watched.alerts.cooldown_ms):
            return None  # a market email went out within the cooldown: each coin is judged on its own, as any alert
        covers = tuple(c.series.key for c in move.followed)
        claim = self._claim(
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
                messages = self._market_messages(move, series, recipients, now_ms)
            except BaseException as exc:
                self._release(claim, exc)
                raise
            settled = self._deliver(claim, messages, now_ms, deadline_ms)
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
            **_told_fields(rarest_told(signal.active_firings, move_size(signal))),
        )
        return Suppressed(signal, suppress, logged, market=sent)

    def _market_messages(
        self, move: MarketMove, series: Series, recipients: tuple[str, ...], now_ms: int
    ) -> list[tuple[tuple[str, ...], EmailMessage]]:
        """The market email's messages (:meth:`_messages`), each recipient's with their dashboard, covered coins'
        pages and unsubscribe."""
        covered = [c.series for c in move.followed]

        def render(links: LinkSigner | None, recipient: str) -> RenderedEmail:
            own = links.market_links(covered, recipient, now_ms=now_ms) if links is not None else None
            return self.render_market(move, series.timeframe_ms, own)

        # The candle's close, not the clock: whichever coin's record sends it, a retry has the same date (and without
        # links, whose nonces are fresh each time, is the same message).
        return self._messages(
            recipients, render, datetime.fromtimestamp((move.candle_ts + series.timeframe_ms) / 1000, tz=UTC)
        )

    def _messages(
        self,
        recipients: tuple[str, ...],
        render: Callable[[LinkSigner | None, str], RenderedEmail],
        date: datetime,
    ) -> list[tuple[tuple[str, ...], EmailMessage]]:
        """An email's messages: one to all recipients without links, or with the stack's links one per recipient,
        each rendered with their own (``render(signer, recipient)``; the signer is None for the shared one)."""
        signer = self.links
        groups = [(recipients, None)] if signer is None else [((r,), signer) for r in recipients]
        return [
            (
                each,
                build_message(
                    render(links, each[0]),
                    sender=self.sender,
                    recipients=each,
                    message_id_domain=self.sender.rpartition("@")[2],
                    date=date,
                ),
            )
            for each, links in groups
        ]

    def _muted(self, series_key: str, candle_ts: int) -> bool:
        """Whether the whole series was muted when its candle at ``candle_ts`` closed (:func:`series_muted`)."""
        if self.steering is None:
            return False
        return series_muted(self.steering.mutes(series_key), candle_closed_ms(series_key, candle_ts))

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
    ) -> tuple[list[tuple[tuple[str, ...], EmailMessage]], tuple[str, ...], int]:
        """The email's messages: one to all recipients, or with links one per recipient (each their own links)."""
        series = watched.series
        records, notes = self._rule_records(report)
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
        )
        rules = [f.rule_id for f in view.ordered_firings]

        def render(links: LinkSigner | None, recipient: str) -> RenderedEmail:
            own = links.links(series, rules, recipient, now_ms=now_ms) if links is not None else None
            return self.render(dataclasses.replace(view, links=own) if own is not None else view)

        # The analysis time, not the clock: a retry builds the same message. SES replaces Date and Message-ID with
        # its own, so this is for the local outbox and other relays, not to merge copies.
        messages = self._messages(send.recipients, render, datetime.fromtimestamp(signal.analyzed_at / 1000, tz=UTC))
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

    def _rule_records(self, report: _Once) -> tuple[dict[str, RuleRecord], tuple[str, ...]]:
        try:
            stored = report.get()
            return (rule_records(stored) if stored is not None else {}), ()
        except (StorageError, ValueError) as exc:
            return {}, (f"replay figures left out: {exc}",)

    def _release(self, claim: Claim, cause: BaseException) -> None:
        try:
            if not self.log.release(claim):
                cause.add_note(f"the claim on {claim.series} at {claim.candle_ts} had been taken over already")
        except StorageError as exc:
            cause.add_note(f"releasing the claim failed too ({exc}); a retry can take it over after the lease")

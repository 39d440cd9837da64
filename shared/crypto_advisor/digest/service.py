"""DigestFunction's use case: on each hourly run, send the latest digest due to every recipient who has not had it.

A run at ``at_ms`` (the schedule event's time):

1. **Off or not due**: ``digest.enabled: false`` in the watchlist, or no
   digest may be sent at the run (:mod:`.due`): the latest one due (the
   watchlist's local time of day, in its time zone) is sent by any run on its
   local date, and by any run up to 6 hours after its time, so a time late in
   the evening (whose first run falls after local midnight) and a failed run
   are caught up, under the local date the digest came due on. Otherwise
   nothing is read or sent.
2. **Who**: every address that gets a series' alerts (the series' own
   ``alerts.recipients``, else the top-level ones, else the stack's default
   recipients) gets one digest covering exactly the series it gets alerts for,
   unless it unsubscribed (an alert's or a digest's unsubscribe link, or
   Settings): one unsubscribe stops the alerts and the digest alike. With the
   dashboard's address, each digest carries the recipient's own links: each
   series' page, the dashboard, and an unsubscribe signed for that recipient
   (also the RFC 8058 ``List-Unsubscribe`` header), so one digest is rendered
   per recipient; without it, recipients with the same series share one.
3. **Already sent?** One consistent read per recipient in the notification
   log; a recipient whose digest of this local date is there is done, and if
   all are, nothing else is read: the 16 or so runs of a day after the digest
   went out cost one read each.
4. **The day**, read once per series for everyone: the candles (30 days, for
   the changes, the chart and what "normal" volatility is), the signals of the
   candles that closed in the digest's span (after the previous digest's due
   instant, up to this one's, whatever the run's time: consecutive digests
   share no candle, and a run that catches up late reads the span the
   on-time run would have), the newest signal at the span's end, and the
   notifier's decisions about those candles. A series whose stores cannot be
   read gets a row that says so; the digest still goes out.
5. **Exactly once per (local date, recipient)**: the digest is claimed in the
   notification log with a conditional put before it is rendered and sent,
   marked sent with SES's message id after, and released if rendering or SES
   fails, so the next hourly run sends it (while it may be sent, as in 1.).
   A second invocation for the same run (EventBridge delivers at least once)
   finds the claim and sends nothing; one whose claim is still held (within
   the lease) by a live invocation waits for the next hour. When SES's answer
   is lost (a timeout, a dropped connection, a 5xx), the claim is kept as
   ``unknown`` and no run sends that digest again: the recipient has it once,
   or not that day. The honest limit is the alerts' own: a process dying
   between SES accepting and the ``sent`` write leaves a claim that a run
   after the lease takes over, and that recipient gets the digest twice.

One recipient's failure does not keep the others' digests: it is released,
reported, and the handler fails the invocation after the others were sent,
so the failure reaches the failure queue and its alarm.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from crypto_advisor.contracts.alerts import Claim, Existing, market_log_key
from crypto_advisor.contracts.decisions import EMAILED
from crypto_advisor.contracts.digest import LoggedAlert
from crypto_advisor.contracts.errors import DeliveryUnknownError, StorageError
from crypto_advisor.contracts.series import timeframe_ms
from crypto_advisor.contracts.watchlist import WatchedSeries, Watchlist
from crypto_advisor.digest.content import NORMAL_MS
from crypto_advisor.digest.due import DigestDay, due_digest, iso_utc, next_due
from crypto_advisor.digest.ports import DigestLog, ScanReader, SignalHistory
from crypto_advisor.digest.render import render_digest
from crypto_advisor.digest.scan_section import ScanDay
from crypto_advisor.digest.view import DigestView, SeriesDay
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.ports import CandleWindow, Mailer, SteeringLookup
from crypto_advisor.notify.render import RenderedEmail

#: ``unknown``: SES's answer was lost; the digest may not have arrived, and is never sent again;
#: ``unsubscribed``: the address asked for no more emails, so it gets no digest
RecipientStatus = Literal["sent", "already_sent", "in_flight", "unknown", "failed", "unsubscribed"]


@dataclass(frozen=True)
class RecipientOutcome:
    """What became of one recipient's digest in this run."""

    recipient: str
    status: RecipientStatus
    #: series the digest covers
    series: int
    message_id: str | None = None
    subject: str | None = None
    #: a stale claim (of an invocation that died) was taken over: the digest may have gone out once already
    took_over: bool = False
    error: str | None = None
    error_type: str | None = None
    #: worth a warning, did not stop the digest (e.g. the send could not be recorded)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestRun:
    """One run of the digest schedule: whether a digest was due, and what became of each recipient's."""

    status: Literal["off", "not_due", "no_recipients", "due"]
    at_ms: int
    timezone: str
    #: the local date of the digest due (status ``due`` and ``no_recipients``)
    day: str | None = None
    #: when it came due; for ``not_due``, when it will
    due_ms: int | None = None
    recipients: tuple[RecipientOutcome, ...] = ()
    #: (series, why) for the series whose stores could not be read; their rows say so
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def sent(self) -> tuple[RecipientOutcome, ...]:
        return tuple(r for r in self.recipients if r.status == "sent")

    @property
    def failed(self) -> tuple[RecipientOutcome, ...]:
        return tuple(r for r in self.recipients if r.status == "failed")

    def as_dict(self) -> dict[str, Any]:
        """What the handler returns: JSON-ready, times as ISO 8601 UTC."""
        return {
            "status": self.status,
            "at": iso_utc(self.at_ms),
            "timezone": self.timezone,
            "day": self.day,
            "due_at": iso_utc(self.due_ms) if self.due_ms is not None else None,
            "recipients": [dataclasses.asdict(r) for r in self.recipients],
            "sent": len(self.sent),
            "failed": len(self.failed),
            "unreadable": [list(pair) for pair in self.unreadable],
        }


@dataclass(frozen=True)
class Digester:
    """The collaborators of the digest; built once per container by :mod:`crypto_advisor.wiring.digest`."""

    watchlist: Watchlist
    log: DigestLog
    signals: SignalHistory
    candles: CandleWindow
    mailer: Mailer
    sender: str
    default_recipients: tuple[str, ...] = ()
    render: Callable[[DigestView], RenderedEmail] = render_digest
    #: the market scans' snapshots and breakout reports; None: no scan section
    scans: ScanReader | None = None
    #: the unsubscribed addresses (the SettingsTable); None: nobody is unsubscribed
    steering: SteeringLookup | None = None
    #: signs each recipient's dashboard and unsubscribe links; None: the digests carry no links
    links: LinkSigner | None = None

    def with_mailer(self, mailer: Mailer) -> Digester:
        return dataclasses.replace(self, mailer=mailer)

    def run(self, *, at_ms: int, wall_ms: int) -> DigestRun:
        """The run of the schedule at ``at_ms``; ``wall_ms`` is the wall clock, which the claims' lease is kept in."""
        settings = self.watchlist.digest
        zone = settings.timezone
        if not settings.enabled:
            return DigestRun("off", at_ms, zone)
        when = due_digest(settings, at_ms)
        if when is None:
            return DigestRun("not_due", at_ms, zone, due_ms=next_due(settings, at_ms))
        audience = self.audience()
        if not audience:
            return DigestRun("no_recipients", at_ms, zone, day=when.day.isoformat(), due_ms=when.due_ms)
        # Read once a day (when a digest is due), like the alerts' read per signal that could email; unreadable, the
        # run fails and the next hourly run tries again, rather than mailing someone who unsubscribed.
        gone = {a.lower() for a in self.steering.unsubscribed()} if self.steering is not None else set()
        outcomes = [RecipientOutcome(r, "unsubscribed", len(w)) for r, w in audience.items() if r.lower() in gone]
        audience = {r: w for r, w in audience.items() if r.lower() not in gone}
        pending: dict[str, tuple[WatchedSeries, ...]] = {}
        for recipient, watched in audience.items():
            entry = self.log.digest_entry(recipient, when.day)
            if entry is None or entry.status == "sending":  # a stale claim may be taken over: the claim decides
                pending[recipient] = watched
            else:
                outcomes.append(RecipientOutcome(recipient, "already_sent", len(watched), entry.message_id))
        days = {w.series.key: self._series_day(w, when) for w in _unique(pending.values())}
        markets = self._market_emails(when, {w.series.timeframe for w in _unique(pending.values())})
        scans = self._scan_days() if pending else ()
        rendered: dict[tuple[str, ...], RenderedEmail] = {}
        for recipient, watched in pending.items():
            rows = tuple(days[w.series.key] for w in watched)
            market = tuple(m for m in markets if m[0] in {w.series.timeframe for w in watched})
            outcomes.append(self._send(recipient, when, rows, market, rendered, wall_ms, scans))
        return DigestRun(
            "due",
            at_ms,
            zone,
            day=when.day.isoformat(),
            due_ms=when.due_ms,
            recipients=tuple(outcomes),
            unreadable=tuple((key, day.error) for key, day in days.items() if day.error is not None),
        )

    def audience(self) -> dict[str, tuple[WatchedSeries, ...]]:
        """Recipient -> the series whose alerts they get, in watchlist order; one entry per mailbox (case-folded)."""
        spelled: dict[str, str] = {}
        series: dict[str, list[WatchedSeries]] = {}
        for watched in self.watchlist:
            for address in watched.alerts.recipients or self.default_recipients:
                key = address.strip().lower()
                spelled.setdefault(key, address.strip())
                series.setdefault(key, []).append(watched)
        return {spelled[key]: tuple(watched) for key, watched in series.items()}

    def _scan_days(self) -> tuple[ScanDay, ...]:
        """Each market scan's snapshot and breakout report, read once per run; an unreadable one says why."""
        days = []
        for watched in self.watchlist.scans if self.scans is not None else ():
            assert self.scans is not None
            scan = watched.scan
            try:
                days.append(ScanDay(scan.name, self.scans.snapshot(scan.vs), self.scans.breakouts(scan.vs)))
            except StorageError as exc:
                days.append(ScanDay(scan.name, error=str(exc)))
        return tuple(days)

    def _series_day(self, watched: WatchedSeries, when: DigestDay) -> SeriesDay:
        """The stores' view of one series over the span: candles closing in it open in (since - tf, until - tf].

        ``until`` is the due instant, not the run: a candle closing between the two is the next digest's.
        """
        series = watched.series
        tf = series.timeframe_ms
        last_open = when.until_ms - tf
        first_open = when.since_ms - tf + 1
        try:
            candles = tuple(c for c in self.candles.window(series, since_ts=last_open - NORMAL_MS) if c.ts <= last_open)
            signals = tuple(self.signals.between(series.key, first_open, last_open))
            latest = signals[-1] if signals else self.signals.latest(series.key, last_open)
            decisions = tuple(self.log.alert_decisions(series.key, first_open, last_open))
        except Exception as exc:  # noqa: BLE001 - one series' stores must not keep the digest; its row says why
            return SeriesDay(watched, error=f"its data could not be read ({type(exc).__name__}: {exc})")
        return SeriesDay(watched, candles, signals, latest, decisions)

    def _market_emails(self, when: DigestDay, timeframes: Iterable[str]) -> tuple[tuple[str, LoggedAlert], ...]:
        """The market emails sent (or still in flight, or whose SES answer was lost) for candles closed in the span.

        Unreadable, they are left out of the list rather than keeping the digest from everyone.
        """
        found: list[tuple[str, LoggedAlert]] = []
        for timeframe in sorted(timeframes):
            tf = timeframe_ms(timeframe)
            try:
                decisions = self.log.alert_decisions(
                    market_log_key(timeframe), when.since_ms - tf + 1, when.until_ms - tf
                )
            except StorageError:
                continue
            found.extend((timeframe, d) for d in decisions if d.status in EMAILED)
        return tuple(found)

    def _send(
        self,
        recipient: str,
        when: DigestDay,
        rows: tuple[SeriesDay, ...],
        market: tuple[tuple[str, LoggedAlert], ...],
        rendered: dict[tuple[str, ...], RenderedEmail],
        wall_ms: int,
        scans: tuple[ScanDay, ...] = (),
    ) -> RecipientOutcome:
        keys = tuple(r.watched.series.key for r in rows)
        same = keys + tuple(f"{tf}@{d.candle_ts}" for tf, d in market)  # recipients with equal digests share one
        claim = self.log.claim_digest(recipient, when.day, now_ms=wall_ms, series=keys, timezone=when.timezone)
        if isinstance(claim, Existing):
            status: RecipientStatus = "in_flight" if claim.status == "sending" else "already_sent"
            return RecipientOutcome(recipient, status, len(rows), claim.message_id)
        try:
            if self.links is not None:  # the recipient's own links: their own rendering
                links = self.links.digest_links([r.watched.series for r in rows], recipient, now_ms=wall_ms)
                email = self.render(DigestView(when, rows, market, scans, links=links))
            else:
                if same not in rendered:
                    rendered[same] = self.render(DigestView(when, rows, market, scans))
                email = rendered[same]
            message = build_message(
                email,
                sender=self.sender,
                recipients=[recipient],
                message_id_domain=self.sender.rpartition("@")[2],
                # The due time, not the clock: a retried run builds the same message (SES replaces the Date and the
                # Message-ID with its own; these are for the local outbox and other relays).
                date=datetime.fromtimestamp(when.due_ms / 1000, tz=UTC),
            )
            message_id = self.mailer.send_raw(self.sender, [recipient], message.as_bytes())
        except DeliveryUnknownError as exc:
            return RecipientOutcome(
                recipient,
                "unknown",
                len(rows),
                subject=str(message["Subject"]),
                took_over=claim.took_over,
                error=str(exc),
                error_type=type(exc).__name__,
                notes=self._keep_unknown(claim, str(message["Subject"]), str(exc), wall_ms),
            )
        except Exception as exc:  # noqa: BLE001 - one recipient's failure must not keep the others'; reported
            return RecipientOutcome(
                recipient,
                "failed",
                len(rows),
                error=str(exc),
                error_type=type(exc).__name__,
                notes=self._release(claim),
            )
        subject = str(message["Subject"])
        notes: tuple[str, ...] = ()
        try:
            self.log.mark_sent(claim, message_id=message_id, subject=subject, now_ms=wall_ms)
        except StorageError as exc:
            notes = (
                f"SES accepted the digest but recording it failed; a run after the lease may send it again ({exc})",
            )
        return RecipientOutcome(
            recipient, "sent", len(rows), message_id, subject, took_over=claim.took_over, notes=notes
        )

    def _keep_unknown(self, claim: Claim, subject: str, why: str, wall_ms: int) -> tuple[str, ...]:
        """Keep the claim as ``unknown`` so no later run sends the digest a second time; notes if that failed."""
        try:
            if not self.log.mark_unknown(claim, subject=subject, detail=why, now_ms=wall_ms):
                return ("the claim had been taken over already",)
        except StorageError as exc:
            return (f"recording the unknown delivery failed too ({exc}); a run after the lease may send it again",)
        return ()

    def _release(self, claim: Claim) -> tuple[str, ...]:
        try:
            if not self.log.release(claim):
                return ("the claim had been taken over already",)
        except StorageError as exc:
            return (f"releasing the claim failed too ({exc}); a run after the lease takes it over",)
        return ()


def _unique(groups: Iterable[tuple[WatchedSeries, ...]]) -> list[WatchedSeries]:
    seen: dict[str, WatchedSeries] = {}
    for group in groups:
        for watched in group:
            seen.setdefault(watched.series.key, watched)
    return list(seen.values())

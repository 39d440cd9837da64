"""An email's delivery: claimed in the notification log, handed to SES, and the claim settled by SES's answers.

A send claims the candle in the log first (so a redelivered record never
sends twice), then the caller gathers and renders what the email shows and
hands the messages to :meth:`Delivery.deliver`, which gives them to SES and
marks the candle sent. If anything between the claim and SES's answer fails,
or SES refuses the email, the claim is released and the error propagates: the
stream record fails and its retry starts over. If SES's answer is lost (a
timeout, a dropped connection, a 5xx: it may have the email), the claim is
kept as ``unknown`` and the record succeeds: a retry could only send a second
copy (:class:`~crypto_advisor.notify.outcomes.DeliveryUnknown`). With links,
each recipient gets a message of their own and each is tried whatever became
of the others: one accepted makes the alert sent (the others are named in a
note, not resent), so one unverified or unlucky address never decides for the
rest.

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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal, TypedDict

from crypto_advisor.analysis.alert_budget import Rarest
from crypto_advisor.contracts.alerts import LEASE_MS, Claim, Existing
from crypto_advisor.contracts.errors import DeliveryUnknownError, StorageError
from crypto_advisor.notify.links import LinkSigner
from crypto_advisor.notify.mime import build_message
from crypto_advisor.notify.ports import AlertLog, Mailer, SentArchive
from crypto_advisor.notify.render import RenderedEmail

#: The invocation time a send needs from its claim to its settled record: reading the window, drawing the chart,
#: SES (at most 3 + 10 s, wiring.notify.SES_CONFIG) and the write that settles the claim.
CLAIM_BUDGET_MS = 25_000
#: The longest one SES call can take (wiring.notify.SES_CONFIG: 3 s to connect, 10 s to read): what a lost answer may
#: have cost the invocation.
SES_WAIT_MS = 13_000
_NO_TIME = "SES's lost answers left too little of the invocation to send it and still record the alert"

#: An email's messages: each with the recipients it is addressed to.
Messages = list[tuple[tuple[str, ...], EmailMessage]]


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
class Settled:
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


class ToldFields(TypedDict):
    score: float | None
    capped: bool
    move_sigma: float | None


def told_fields(told: Rarest | None) -> ToldFields:
    """What the notification log keeps of an email for the follow-up check of the next (:meth:`AlertLog.claim`'s
    ``score``, ``capped`` and ``move_sigma``); none of it for an email of the user's conditions only, which holds no
    follow-up back."""
    if told is None:
        return {"score": None, "capped": False, "move_sigma": None}
    return {"score": told.score, "capped": told.capped, "move_sigma": told.move_sigma}


@dataclass(frozen=True)
class Delivery:
    """The notifier's ports that claim, send and settle one email; built by the
    :class:`~crypto_advisor.notify.service.Notifier` from its own, for the alert and the market email alike."""

    log: AlertLog
    mailer: Mailer
    sender: str
    #: the notification log's lease (a claim older than this may be taken over)
    lease_ms: int = LEASE_MS
    claim_budget_ms: int = CLAIM_BUDGET_MS
    #: waits out a claim held by another invocation (``time.sleep``); None: never wait, fail the record at once
    sleep: Callable[[float], None] | None = None
    #: signs each recipient's dashboard, mute and unsubscribe links; None: the emails carry no links
    links: LinkSigner | None = None
    #: keeps each sent message for the dashboard (the archive bucket's ``sent-emails/``); None: nothing kept
    sent: SentArchive | None = None

    def claim(
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

    def messages(
        self,
        recipients: tuple[str, ...],
        render: Callable[[LinkSigner | None, str], RenderedEmail],
        date: datetime,
    ) -> Messages:
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

    def deliver(
        self,
        claim: Claim,
        messages: Sequence[tuple[tuple[str, ...], EmailMessage]],
        now_ms: int,
        deadline_ms: int | None = None,
    ) -> Settled:
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
                self.release(claim, exc)
            raise
        return self._settle(claim, subject, attempts, now_ms)

    def release(self, claim: Claim, cause: BaseException) -> None:
        """Free ``claim`` for the retry of the record ``cause`` fails; a failure to do so is noted on ``cause``."""
        try:
            if not self.log.release(claim):
                cause.add_note(f"the claim on {claim.series} at {claim.candle_ts} had been taken over already")
        except StorageError as exc:
            cause.add_note(f"releasing the claim failed too ({exc}); a retry can take it over after the lease")

    def _settle(self, claim: Claim, subject: str, attempts: Sequence[_Attempt], now_ms: int) -> Settled:
        """Mark ``claim`` sent, keep it unknown, or release it and raise: by the attempts, as :meth:`deliver` says."""
        accepted = [a for a in attempts if a.outcome == "accepted"]
        missed = tuple(a.note() for a in attempts if a.outcome != "accepted") if len(attempts) > 1 else ()
        if accepted:
            ids = [a.detail for a in accepted]
            self.log.mark_sent(claim, message_id=",".join(ids), subject=subject, now_ms=now_ms)
            return Settled(ids[0], notes=(*missed, *self._archive(claim, accepted[0].message)))
        lost = [a for a in attempts if a.outcome == "lost"]
        if lost:
            why = "; ".join(a.detail for a in lost)
            kept = self._keep_unknown(claim, subject, why, now_ms)
            return Settled(None, why, kept + missed + self._archive(claim, lost[0].message))
        error = attempts[0].error
        assert error is not None  # neither accepted nor lost, so refused: a lost answer is all that leaves one untried
        for each in missed:
            error.add_note(each)
        self.release(claim, error)
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

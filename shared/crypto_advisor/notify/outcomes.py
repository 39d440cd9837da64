"""What became of one signal in the notifier: sent, delivery unknown, suppressed, or already decided.

The :class:`~crypto_advisor.notify.service.Notifier` returns one of them per
signal and the telemetry (:mod:`crypto_advisor.telemetry.notify`) logs and
counts them; :class:`MarketEmailSent` rides on a :class:`Suppressed` whose
coin the market email covered.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto_advisor.contracts.alerts import Existing
from crypto_advisor.contracts.signal import Signal
from crypto_advisor.notify.policy import Send, Suppress

#: How notes about the forecast ledger begin, so the telemetry can count ledger failures apart.
LEDGER_NOTE = "forecast ledger"


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

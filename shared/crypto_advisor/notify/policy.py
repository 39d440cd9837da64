"""The alert policy: whether a stored Signal becomes an email, and with which firings.

Pure: the Signal, the series' :class:`AlertPolicy` (None when the series has
left the watchlist) and the series' recent sends from the notification log go
in, one :class:`Send` or :class:`Suppress` comes out. The checks run in a fixed
order and the first that stops the email names the reason, so every signal has
exactly one recorded reason:

1. ``not_watched``: the series is no longer in the watchlist (a signal stored
   just before the user removed it).
2. ``no_firings``: no rule fired on this candle (most candles).
3. ``unhealthy_data``: the data health check failed, or every firing was
   suppressed by the analysis; bad data never alerts.
4. ``below_severity``: no active firing reaches the policy's ``min_severity``.
5. ``cooldown``: every firing left was emailed for this series within
   ``cooldown_ms`` of this candle. Firings in cooldown are dropped from the
   email when others remain, so several triggers on one candle still make one
   email, without repeating what the user was just told.
6. ``no_recipients``: neither the watchlist nor the stack names anyone.

Cooldown is judged in candle time (between candle open times), never the wall
clock, so a late redelivery or a replay decides exactly as the live run did.
It looks both ways: a stream retry can process a candle after a newer one of
the same series was already emailed, and an email about the older candle would
then repeat what the user just read. The send for this very candle is not a
cooldown (that is a redelivery, which the notification log's claim catches).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from crypto_advisor.contracts.alerts import SentAlert
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.contracts.units import DAY_MS, HOUR_MS, MINUTE_MS
from crypto_advisor.contracts.watchlist import AlertPolicy

SuppressReason = Literal["not_watched", "no_firings", "unhealthy_data", "below_severity", "cooldown", "no_recipients"]
SUPPRESS_REASONS: tuple[SuppressReason, ...] = (
    "not_watched",
    "no_firings",
    "unhealthy_data",
    "below_severity",
    "cooldown",
    "no_recipients",
)


@dataclass(frozen=True)
class Send:
    """Email these firings (most important first is the renderer's job) to these recipients."""

    firings: tuple[FiringRecord, ...]
    recipients: tuple[str, ...]
    #: rules that also fired but were left out because they are in cooldown
    cooled_rules: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.firings)


@dataclass(frozen=True)
class Suppress:
    """No email; ``detail`` says why in words a person reading the log understands."""

    reason: SuppressReason
    detail: str
    #: the rules that fired on the candle (active or not), for the record
    rules: tuple[str, ...] = ()


Decision = Send | Suppress


def cooldown_window(candle_ts: int, cooldown_ms: int) -> tuple[int, int]:
    """The candle range (inclusive) whose sends can put a firing at ``candle_ts`` in cooldown.

    Always contains ``candle_ts`` itself, so one Query over it also finds this
    candle's own entry.
    """
    reach = max(cooldown_ms - 1, 0)
    return candle_ts - reach, candle_ts + reach


def decide(
    signal: Signal,
    policy: AlertPolicy | None,
    recent: Iterable[SentAlert],
    *,
    default_recipients: Sequence[str] = (),
) -> Decision:
    """The policy's verdict on ``signal``; ``recent`` are the series' sends around its candle (any order)."""
    fired = tuple(f.rule_id for f in signal.firings)
    if policy is None:
        return Suppress("not_watched", f"{signal.series} is no longer in the watchlist", fired)
    if not signal.firings:
        return Suppress("no_firings", "no rule fired on this candle")
    active = signal.active_firings
    if not signal.health.healthy or not active:
        why = "; ".join(signal.health.reasons) or "every firing was suppressed by the analysis"
        return Suppress("unhealthy_data", why, fired)
    strong_enough = [f for f in active if f.severity >= policy.min_severity]
    if not strong_enough:
        top = max(f.severity for f in active)
        return Suppress(
            "below_severity", f"highest severity {top} is below the policy's minimum {policy.min_severity}", fired
        )
    cooling = _rules_in_cooldown(signal.candle_ts, policy.cooldown_ms, recent)
    fresh = tuple(f for f in strong_enough if f.rule_id not in cooling)
    if not fresh:
        names = ", ".join(sorted({f.rule_id for f in strong_enough}))
        return Suppress("cooldown", f"{names} already emailed within {_duration(policy.cooldown_ms)}", fired)
    recipients = tuple(policy.recipients) or tuple(default_recipients)
    if not recipients:
        return Suppress("no_recipients", "no recipients: set alerts.recipients or the RecipientEmails parameter", fired)
    cooled = tuple(sorted({f.rule_id for f in strong_enough if f.rule_id in cooling}))
    return Send(firings=fresh, recipients=recipients, cooled_rules=cooled)


def _rules_in_cooldown(candle_ts: int, cooldown_ms: int, recent: Iterable[SentAlert]) -> set[str]:
    return {
        rule
        for sent in recent
        if sent.candle_ts != candle_ts and abs(candle_ts - sent.candle_ts) < cooldown_ms
        for rule in sent.rules
    }


def _duration(ms: int) -> str:
    for unit, size in (("d", DAY_MS), ("h", HOUR_MS), ("m", MINUTE_MS)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms} ms"
